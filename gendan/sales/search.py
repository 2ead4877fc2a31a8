"""How orders and quotations are searched (core.search): by number, or by their customer."""

from gendan.core.search import Searchable
from gendan.crm.search import CUSTOMERS

from .models import Order, Quotation

ORDERS = Searchable(Order, numbers=("number",), through=(("customer", CUSTOMERS),))
QUOTATIONS = Searchable(Quotation, numbers=("number",), through=(("customer", CUSTOMERS),))
# For the documents that follow an order (invoices, shipments): found by their order's number.
ORDER_NUMBERS = Searchable(Order, numbers=("number",))

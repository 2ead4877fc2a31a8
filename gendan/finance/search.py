"""How invoices and payments are searched (core.search): by number, their order's number or their customer."""

from gendan.core.search import Searchable
from gendan.crm.search import CUSTOMERS
from gendan.sales.search import ORDER_NUMBERS

from .models import Invoice, Payment

INVOICES = Searchable(Invoice, numbers=("number",), through=(("order", ORDER_NUMBERS), ("customer", CUSTOMERS)))
PAYMENTS = Searchable(Payment, numbers=("number",), scanned=("reference",), through=(("customer", CUSTOMERS),))

"""How invoices and payments are searched (core.search): by number, their order's number or their customer."""

from gendan.core.search import Searchable
from gendan.crm.search import CUSTOMERS
from gendan.sales.search import ORDER_NUMBERS

from .models import Invoice, Payment

# Seen through their order or customer (a join): found by number on SQLite (core.search.Searchable.sqlite_key).
INVOICES = Searchable(
    Invoice,
    numbers=("number",),
    through=(("order", ORDER_NUMBERS), ("customer", CUSTOMERS)),
    sqlite_key="number",
)
PAYMENTS = Searchable(
    Payment,
    numbers=("number",),
    text=("reference",),
    through=(("customer", CUSTOMERS),),
    sqlite_key="number",
)

"""How shipments are searched (core.search): by number, tracking number or their order's number."""

from gendan.core.search import Searchable
from gendan.sales.search import ORDER_NUMBERS

from .models import Shipment

# Seen through their order (a join): found by number on SQLite (core.search.Searchable.sqlite_key).
SHIPMENTS = Searchable(
    Shipment,
    numbers=("number",),
    text=("tracking_number",),
    through=(("order", ORDER_NUMBERS),),
    sqlite_key="number",
)

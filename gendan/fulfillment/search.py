"""How shipments are searched (core.search): by number, tracking number or their order's number."""

from gendan.core.search import Searchable
from gendan.sales.search import ORDER_NUMBERS

from .models import Shipment

SHIPMENTS = Searchable(Shipment, numbers=("number",), scanned=("tracking_number",), through=(("order", ORDER_NUMBERS),))

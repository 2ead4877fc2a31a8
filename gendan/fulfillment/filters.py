from gendan.core.worklist_lists import OverdueWorklistFilter
from gendan.sales.models import Order

from .models import Shipment


class OrderToShipFilter(OverdueWorklistFilter):
    """Overdue: the promised date has passed."""

    due_field = "promised_date"

    class Meta:
        model = Order
        fields = ["customer", "owner", "overdue"]


class ShipmentWorklistFilter(OverdueWorklistFilter):
    """Overdue: the order's promised date has passed."""

    customer_field = "order__customer_id"
    due_field = "order__promised_date"

    class Meta:
        model = Shipment
        fields = ["customer", "owner", "overdue"]

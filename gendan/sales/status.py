"""Derived statuses: pure functions of quantities and amounts, testable without a database."""

from decimal import Decimal

from .models import BillingStatus, DeliveryStatus, OrderStatus, PaymentStatus

# The main road an order takes as its goods leave and arrive: from its status, by its delivery status, the status it
# moves to and the verb that says so. A delivered order paid in full then closes.
ROAD = {
    OrderStatus.CONFIRMED: {
        DeliveryStatus.PARTIALLY_SHIPPED: (OrderStatus.PARTIALLY_SHIPPED, "order.partially_shipped"),
        DeliveryStatus.SHIPPED: (OrderStatus.SHIPPED, "order.shipped"),
        DeliveryStatus.DELIVERED: (OrderStatus.SHIPPED, "order.shipped"),
    },
    OrderStatus.PARTIALLY_SHIPPED: {
        DeliveryStatus.SHIPPED: (OrderStatus.SHIPPED, "order.shipped"),
        DeliveryStatus.DELIVERED: (OrderStatus.SHIPPED, "order.shipped"),
    },
    OrderStatus.SHIPPED: {DeliveryStatus.DELIVERED: (OrderStatus.DELIVERED, "order.delivered")},
}


def delivery_status_of(lines) -> str:
    """lines: (quantity, shipped, delivered) triples."""
    lines = list(lines)
    if lines and all(delivered >= quantity for quantity, _shipped, delivered in lines):
        return DeliveryStatus.DELIVERED
    if lines and all(shipped >= quantity for quantity, shipped, _delivered in lines):
        return DeliveryStatus.SHIPPED
    if any(shipped > 0 for _quantity, shipped, _delivered in lines):
        return DeliveryStatus.PARTIALLY_SHIPPED
    return DeliveryStatus.NOT_SHIPPED


def billing_status_of(lines) -> str:
    """lines: (quantity, invoiced) pairs."""
    lines = list(lines)
    if lines and all(invoiced >= quantity for quantity, invoiced in lines):
        return BillingStatus.INVOICED
    if any(invoiced > 0 for _quantity, invoiced in lines):
        return BillingStatus.PARTIALLY_INVOICED
    return BillingStatus.NOT_INVOICED


def payment_status_of(billing_status: str, amount_invoiced: Decimal, amount_paid: Decimal) -> str:
    """Paid means everything is invoiced and every invoice is settled, whatever cents rounding did."""
    if billing_status == BillingStatus.INVOICED and amount_paid >= amount_invoiced:
        return PaymentStatus.PAID
    if amount_paid > 0:
        return PaymentStatus.PARTIALLY_PAID
    return PaymentStatus.UNPAID


def road_of(status: str, delivery_status: str, payment_status: str) -> list[tuple[str, str]]:
    """The steps (status, verb) an order in `status` takes, given its derived statuses; none when it stays."""
    steps = []
    while delivery_status in ROAD.get(status, {}):
        status, verb = ROAD[status][delivery_status]
        steps.append((status, verb))
    if status == OrderStatus.DELIVERED and payment_status == PaymentStatus.PAID:
        steps.append((OrderStatus.CLOSED, "order.closed"))
    return steps

"""Orders brought to any status through the services, and a snapshot to prove a refusal changed nothing."""

from decimal import Decimal

from django.utils import timezone

from gendan.core.models import Event
from gendan.finance.models import Invoice, Payment
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_cancel, order_hold, order_submit, order_update

from .backbone import COURIER, draft_order, stocked_products


def order_at(status: str, people, quantity="2"):
    """An order of rep1's for two units of one product (list price 100, 100 in stock), in `status`."""
    rep, clerk, finance = people["rep1"], people["warehouse1"], people["finance1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products, [quantity])
    if status == OrderStatus.DRAFT:
        return order
    if status == OrderStatus.CANCELLED:
        return order_cancel(order=order, actor=rep, reason="客户取消")
    if status == OrderStatus.PENDING_APPROVAL:
        # 15% is above a rep's own limit of 10%.
        lines = [{"product": products[0], "quantity": Decimal(quantity), "discount_percent": Decimal("15")}]
        order = order_update(order=order, actor=rep, lines=lines)
        return order_submit(order=order, actor=rep)
    order = order_submit(order=order, actor=rep)
    if status == OrderStatus.CONFIRMED:
        return order
    if status == OrderStatus.ON_HOLD:
        return order_hold(order=order, actor=rep, reason="等客户确认")
    line = order.lines.get()
    shipped = Decimal("1") if status == OrderStatus.PARTIALLY_SHIPPED else line.quantity
    shipment = shipment_create(order=order, actor=clerk, lines=[{"order_line": line, "quantity": shipped}], **COURIER)
    shipment_ship(shipment=shipment, actor=clerk)
    if status in (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED):
        return Order.objects.get(pk=order.pk)
    shipment_deliver(shipment=shipment, actor=clerk, signed_by="王经理")
    if status == OrderStatus.DELIVERED:
        return Order.objects.get(pk=order.pk)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    payment_record(
        actor=finance,
        customer=order.customer,
        amount=invoice.total,
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": invoice.total}],
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == status == OrderStatus.CLOSED
    return order


def order_state(order) -> dict:
    """Everything a refused action on `order` must leave as it was."""
    fresh = Order.objects.get(pk=order.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "derived": (fresh.delivery_status, fresh.billing_status, fresh.payment_status),
        "amounts": (fresh.total, fresh.amount_invoiced, fresh.amount_paid),
        "lines": [
            (ln.quantity, ln.reserved_quantity, ln.shipped_quantity, ln.delivered_quantity, ln.invoiced_quantity)
            for ln in fresh.lines.all()
        ],
        "approvals": list(fresh.approvals.values_list("status", flat=True)),
        "shipments": list(Shipment.objects.filter(order=fresh).values_list("status", flat=True)),
        "invoices": list(Invoice.objects.filter(order=fresh).values_list("status", "amount_paid")),
        "payments": Payment.objects.count(),
        "stock": list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        "stock_moves": StockMove.objects.count(),
        "events": Event.objects.count(),
    }

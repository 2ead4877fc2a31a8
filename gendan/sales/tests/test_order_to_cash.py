from decimal import Decimal

import pytest
from django.utils import timezone

from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from gendan.inventory.models import StockLevel
from gendan.sales.services import order_submit
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = pytest.mark.django_db


def test_an_order_walks_from_draft_to_closed(personas):
    # given
    rep, warehouse_clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    warehouse, products = stocked_products(3)
    order = draft_order(rep, products, ["2", "3", "1"])
    assert order.total == Decimal("678.00")  # 600 + 13% tax

    # when
    order = order_submit(order=order, actor=rep)
    shipment = shipment_create(order=order, actor=warehouse_clerk, carrier="顺丰", tracking_number="SF1")
    shipment_ship(shipment=shipment, actor=warehouse_clerk, **COURIER)
    shipment_deliver(shipment=shipment, actor=warehouse_clerk, signed_by="王经理")
    invoice = invoice_create(order=order, actor=finance)
    invoice_issue(invoice=invoice, actor=finance)
    payment_record(
        actor=finance,
        customer=order.customer,
        amount=invoice.total,
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": invoice.total}],
    )

    # then
    order.refresh_from_db()
    assert order.status == "closed"
    assert (order.delivery_status, order.billing_status, order.payment_status) == ("delivered", "invoiced", "paid")
    levels = {lv.product_id: lv for lv in StockLevel.objects.filter(warehouse=warehouse)}
    assert [levels[p.pk].on_hand for p in products] == [Decimal("98"), Decimal("97"), Decimal("99")]
    assert all(levels[p.pk].reserved == 0 for p in products)

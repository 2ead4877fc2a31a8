"""Stock entered by hand: receipts and adjustments, never below what is reserved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.inventory.models import StockLevel, StockMove, Warehouse
from gendan.inventory.services import stock_move_record, warehouse_create
from gendan.sales.services import order_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def level_of(product):
    level = StockLevel.objects.get(product=product)
    return level.on_hand, level.reserved, level.available


def test_a_receipt_of_a_new_product_opens_its_stock_level_and_writes_the_ledger(personas):
    # given
    clerk = personas["warehouse1"]
    warehouse, product = WarehouseFactory(), ProductFactory()

    # when
    move = stock_move_record(
        actor=clerk, kind="receipt", product=product, warehouse=warehouse, quantity=Decimal("12.5"), note="采购入库"
    )

    # then
    assert level_of(product) == (Decimal("12.5"), Decimal("0"), Decimal("12.5"))
    assert (move.kind, move.quantity, move.note, move.actor) == ("receipt", Decimal("12.5"), "采购入库", clerk)
    event = Event.objects.get()
    assert (event.verb, event.object_id, event.data) == (
        "stock.receipt",
        move.pk,
        {"product": product.pk, "warehouse": warehouse.pk, "quantity": "12.5"},
    )


def test_adjustments_go_either_way(personas):
    clerk = personas["warehouse1"]
    warehouse, (product,) = stocked_products(1, on_hand="10")

    stock_move_record(actor=clerk, kind="adjustment", product=product, warehouse=warehouse, quantity=Decimal("-4"))
    stock_move_record(actor=clerk, kind="adjustment", product=product, warehouse=warehouse, quantity=Decimal("1"))

    assert level_of(product) == (Decimal("7"), Decimal("0"), Decimal("7"))
    assert list(StockMove.objects.order_by("id").values_list("kind", "quantity")) == [
        ("adjustment", Decimal("-4")),
        ("adjustment", Decimal("1")),
    ]


def test_a_negative_adjustment_below_what_is_reserved_is_refused(personas):
    # given: 10 on hand, 7 reserved by a confirmed order, so 3 available
    clerk, rep = personas["warehouse1"], personas["rep1"]
    warehouse, (product,) = stocked_products(1, on_hand="10")
    order_submit(order=draft_order(rep, [product], ["7"]), actor=rep)
    moves, events = StockMove.objects.count(), Event.objects.count()

    # when
    with pytest.raises(ApplicationError) as exc:
        stock_move_record(actor=clerk, kind="adjustment", product=product, warehouse=warehouse, quantity=Decimal("-4"))

    # then
    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.INSUFFICIENT_STOCK,
        {"product": product.pk, "available": "3.000"},
    )
    assert level_of(product) == (Decimal("10"), Decimal("7"), Decimal("3"))
    assert (StockMove.objects.count(), Event.objects.count()) == (moves, events)

    # and removing exactly what is available is fine
    stock_move_record(actor=clerk, kind="adjustment", product=product, warehouse=warehouse, quantity=Decimal("-3"))
    assert level_of(product) == (Decimal("7"), Decimal("7"), Decimal("0"))


@pytest.mark.parametrize(
    ("kind", "quantity", "field"),
    [
        ("receipt", "-1", "quantity"),
        ("receipt", "0", "quantity"),
        ("adjustment", "0", "quantity"),
        ("reservation", "5", "kind"),
        ("shipment", "-5", "kind"),
    ],
)
def test_bad_manual_moves_are_refused_on_their_field(personas, kind, quantity, field):
    warehouse, (product,) = stocked_products(1, on_hand="10")

    with pytest.raises(ValidationError) as exc:
        stock_move_record(
            actor=personas["warehouse1"], kind=kind, product=product, warehouse=warehouse, quantity=Decimal(quantity)
        )

    assert list(exc.value.message_dict) == [field]
    assert level_of(product) == (Decimal("10"), Decimal("0"), Decimal("10"))
    assert StockMove.objects.count() == 0


@pytest.mark.parametrize("who", ["rep1", "finance1", "logistics1"])
def test_only_the_warehouse_enters_stock(personas, who):
    warehouse, (product,) = stocked_products(1, on_hand="10")

    with pytest.raises(ApplicationError) as exc:
        stock_move_record(actor=personas[who], kind="receipt", product=product, warehouse=warehouse, quantity=1)

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": "inventory.add_stockmove"})
    assert level_of(product) == (Decimal("10"), Decimal("0"), Decimal("10"))


def test_the_database_refuses_overselling_whatever_the_code_path(personas):
    _warehouse, (product,) = stocked_products(1, on_hand="5")

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=product).update(reserved=Decimal("6"))

    assert level_of(product) == (Decimal("5"), Decimal("0"), Decimal("5"))


def test_warehouse_create_validates_and_needs_the_right(personas):
    admin = personas["admin"]

    warehouse = warehouse_create(actor=admin, code="BJ", name="北京仓")
    assert Event.objects.get().verb == "warehouse.created"
    with pytest.raises(ValidationError) as exc:
        warehouse_create(actor=admin, code="BJ", name="")
    assert set(exc.value.message_dict) == {"code", "name"}
    with pytest.raises(ApplicationError) as exc:
        warehouse_create(actor=personas["warehouse1"], code="GZ", name="广州仓")
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert list(Warehouse.objects.values_list("pk", flat=True)) == [warehouse.pk]

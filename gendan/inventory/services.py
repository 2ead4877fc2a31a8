"""Every change of stock: one conditional UPDATE per row, one ledger row per change.

The WHERE clause of each UPDATE carries the rule (enough available, enough reserved), so
two transactions racing for the last unit cannot both succeed: on PostgreSQL the second
UPDATE waits for the first's row lock and re-checks the condition; on SQLite writers
are serialised. The CHECK constraint on StockLevel is the backstop.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_perm

from .models import StockLevel, StockMove, Warehouse

MANUAL_KINDS = {StockMove.Kind.RECEIPT, StockMove.Kind.ADJUSTMENT}


def _level(product, warehouse) -> StockLevel:
    level, _created = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    return level


@transaction.atomic
def warehouse_create(*, actor, code: str, name: str, address: str = "") -> Warehouse:
    require_perm(actor, "inventory.add_warehouse")
    warehouse = Warehouse(code=code, name=name, address=address)
    warehouse.full_clean()
    warehouse.save()
    events.record(actor, "warehouse.created", warehouse)
    return warehouse


WAREHOUSE_FIELDS = ["code", "name", "address"]


@transaction.atomic
def warehouse_update(*, warehouse: Warehouse, actor, **fields) -> Warehouse:
    require_perm(actor, "inventory.change_warehouse")
    unknown = set(fields) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise TypeError(f"warehouse_update got unexpected fields {sorted(unknown)}")
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    before = events.snapshot(warehouse, fields)
    for name, value in fields.items():
        setattr(warehouse, name, value)
    warehouse.full_clean()
    changes = events.diff(before, events.snapshot(warehouse, fields))
    if not changes:
        return warehouse
    warehouse.save()
    events.record(actor, "warehouse.updated", warehouse, changes=changes)
    return warehouse


@transaction.atomic
def stock_move_record(*, actor, kind: str, product, warehouse, quantity: Decimal, note: str = "") -> StockMove:
    """A receipt (quantity > 0) or an adjustment (either sign) entered by a person."""
    require_perm(actor, "inventory.add_stockmove")
    quantity = Decimal(quantity)
    if kind not in MANUAL_KINDS:
        raise ValidationError({"kind": [_("Only receipts and adjustments are entered by hand.")]})
    if quantity == 0 or (kind == StockMove.Kind.RECEIPT and quantity < 0):
        raise ValidationError({"quantity": [_("Enter a quantity above zero.")]})
    level = _level(product, warehouse)
    updated = StockLevel.objects.filter(pk=level.pk, on_hand__gte=F("reserved") - quantity).update(
        on_hand=F("on_hand") + quantity
    )
    if not updated:
        level.refresh_from_db()
        raise ApplicationError(
            _("Cannot remove %(qty)s of %(product)s: only %(available)s are available (not reserved).")
            % {"qty": -quantity, "product": product, "available": level.available},
            ErrorCode.INSUFFICIENT_STOCK,
            {"product": product.pk, "available": str(level.available)},
        )
    move = StockMove.objects.create(
        kind=kind, product=product, warehouse=warehouse, quantity=quantity, note=note, actor=actor
    )
    events.record(
        actor, f"stock.{kind}", move, data={"product": product.pk, "warehouse": warehouse.pk, "quantity": quantity}
    )
    return move


def stock_reserve_lines(*, warehouse, lines, actor) -> None:
    """Reserve each line's open quantity, all or none: the caller's transaction rolls back on refusal."""
    moves = []
    # Product order, so two orders for the same products lock rows in the same order (no deadlock).
    for line in sorted(lines, key=lambda ln: (ln.product_id, ln.pk)):
        quantity = line.quantity - line.shipped_quantity - line.reserved_quantity
        if quantity <= 0:
            continue
        updated = StockLevel.objects.filter(
            product_id=line.product_id, warehouse=warehouse, on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity)
        if not updated:
            level = StockLevel.objects.filter(product_id=line.product_id, warehouse=warehouse).first()
            available = level.available if level else Decimal("0")
            raise ApplicationError(
                _("Not enough stock of %(product)s in %(warehouse)s: %(qty)s needed, %(available)s available.")
                % {
                    "product": line.product,
                    "warehouse": warehouse,
                    "qty": quantity.normalize(),
                    "available": available.normalize(),
                },
                ErrorCode.INSUFFICIENT_STOCK,
                {"product": line.product_id, "requested": str(quantity), "available": str(available)},
            )
        line.reserved_quantity += quantity
        moves.append(
            StockMove(
                kind=StockMove.Kind.RESERVATION,
                product_id=line.product_id,
                warehouse=warehouse,
                quantity=quantity,
                order_line=line,
                actor=actor,
            )
        )
    StockMove.objects.bulk_create(moves)


def stock_release_lines(*, warehouse, lines, actor) -> None:
    moves = []
    for line in sorted(lines, key=lambda ln: (ln.product_id, ln.pk)):
        quantity = line.reserved_quantity
        if quantity <= 0:
            continue
        StockLevel.objects.filter(product_id=line.product_id, warehouse=warehouse).update(
            reserved=F("reserved") - quantity
        )
        line.reserved_quantity = Decimal("0")
        moves.append(
            StockMove(
                kind=StockMove.Kind.RELEASE,
                product_id=line.product_id,
                warehouse=warehouse,
                quantity=-quantity,
                order_line=line,
                actor=actor,
            )
        )
    StockMove.objects.bulk_create(moves)


def stock_ship_lines(*, warehouse, shipment, items, actor) -> None:
    """Take shipped quantities out of stock, consuming their reservation. items: [(order_line, qty)]."""
    moves = []
    for line, quantity in sorted(items, key=lambda item: (item[0].product_id, item[0].pk)):
        # A confirmed line holds a reservation for everything not yet shipped, so shipping
        # always consumes reserved units; the row's reserved count must cover them too.
        updated = line.reserved_quantity >= quantity and StockLevel.objects.filter(
            product_id=line.product_id, warehouse=warehouse, reserved__gte=quantity
        ).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)
        if not updated:
            raise ApplicationError(
                _("Not enough reserved stock of %(product)s in %(warehouse)s to ship %(qty)s.")
                % {"product": line.product, "warehouse": warehouse, "qty": quantity.normalize()},
                ErrorCode.INSUFFICIENT_STOCK,
                {"product": line.product_id},
            )
        line.reserved_quantity -= quantity
        moves.append(
            StockMove(
                kind=StockMove.Kind.SHIPMENT,
                product_id=line.product_id,
                warehouse=warehouse,
                quantity=-quantity,
                order_line=line,
                shipment=shipment,
                actor=actor,
            )
        )
    StockMove.objects.bulk_create(moves)

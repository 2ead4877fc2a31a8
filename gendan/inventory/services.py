"""Every change of stock: one conditional UPDATE per row, one ledger row per change.

The WHERE clause of each UPDATE carries the rule (enough available, enough reserved), so
two transactions racing for the last unit cannot both succeed: on PostgreSQL the second
UPDATE waits for the first's row lock and re-checks the condition; on SQLite writers
are serialised. The CHECK constraint on StockLevel is the backstop.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.catalog.quantities import check_quantity
from gendan.core import events
from gendan.core.bounds import decimal_problems, largest
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.numbers import plain_decimal
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
def warehouse_staff_set(*, warehouse: Warehouse, actor, users) -> Warehouse:
    """Who works at the warehouse (and hears of the orders confirmed for it)."""
    require_perm(actor, "inventory.change_warehouse")
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    before = sorted(warehouse.staff.values_list("pk", flat=True))
    after = sorted({user.pk for user in users})
    if before == after:
        return warehouse
    warehouse.staff.set(after)
    events.record(actor, "warehouse.staff_changed", warehouse, changes={"staff": [before, after]})
    return warehouse


@transaction.atomic
def stock_move_record(*, actor, kind: str, product, warehouse, quantity: Decimal, note: str = "") -> StockMove:
    """A receipt (quantity > 0) or an adjustment (either sign) entered by a person."""
    require_perm(actor, "inventory.add_stockmove")
    quantity = Decimal(quantity)
    if kind not in MANUAL_KINDS:
        raise ValidationError({"kind": [_("Only receipts and adjustments are entered by hand.")]})
    if problems := decimal_problems(StockMove, "quantity", quantity):
        raise ValidationError({"quantity": problems})
    if quantity == 0 or (kind == StockMove.Kind.RECEIPT and quantity < 0):
        raise ValidationError({"quantity": [_("Enter a quantity above zero.")]})
    try:
        check_quantity(product, quantity)
    except ValidationError as exc:
        raise ValidationError({"quantity": exc.messages}) from exc
    level = _level(product, warehouse)
    most = largest(StockLevel, "on_hand")
    updated = StockLevel.objects.filter(
        pk=level.pk, on_hand__gte=F("reserved") - quantity, on_hand__lte=most - quantity
    ).update(on_hand=F("on_hand") + quantity)
    if not updated:
        level.refresh_from_db()
        if level.on_hand + quantity > most:
            raise ValidationError(
                {"quantity": [_("This would take the stock on hand past %(most)s.") % {"most": most.normalize()}]}
            )
        raise ApplicationError(
            _("Cannot remove %(qty)s of %(product)s: only %(available)s are available (not reserved).")
            % {"qty": plain_decimal(-quantity), "product": product, "available": plain_decimal(level.available)},
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


def _change_levels(warehouse, deltas: dict[int, tuple[Decimal, Decimal]], *, keep: str | None) -> bool:
    """Add (on_hand, reserved) deltas to the warehouse's rows of these products, in one UPDATE.

    keep: the rule every row must still meet afterwards, in the WHERE clause — "available"
    (on hand covers what is reserved) or "reserved" (not below zero) — so a concurrent change
    can never make it false. True when every row was changed; otherwise nothing should be
    kept and the caller raises, rolling the transaction back.
    """
    products = sorted(deltas)
    numeric = "CAST(%s AS NUMERIC)"

    def case(index):
        whens = " ".join(f"WHEN %s THEN {numeric}" for _p in products)
        return f"(CASE product_id {whens} END)", [v for p in products for v in (p, str(deltas[p][index]))]

    on_hand_sql, on_hand_params = case(0)
    reserved_sql, reserved_params = case(1)
    placeholders = ", ".join(["%s"] * len(products))
    where = [f"warehouse_id = %s AND product_id IN ({placeholders})"]
    params = [warehouse.pk, *products]
    if connection.features.has_select_for_update:
        # Lock the rows in product order, as every stock change does, so two orders for the
        # same products cannot deadlock.
        where.append(
            "id IN (SELECT id FROM inventory_stocklevel WHERE warehouse_id = %s "
            f"AND product_id IN ({placeholders}) ORDER BY product_id FOR UPDATE)"
        )
        params += [warehouse.pk, *products]
    if keep == "available":
        where.append(f"on_hand + {on_hand_sql} >= reserved + {reserved_sql}")
        params += on_hand_params + reserved_params
    elif keep == "reserved":
        where.append(f"reserved + {reserved_sql} >= 0")
        params += reserved_params
    sql = (
        f"UPDATE inventory_stocklevel SET on_hand = on_hand + {on_hand_sql}, reserved = reserved + {reserved_sql}, "
        f"updated_at = %s WHERE {' AND '.join(where)}"
    )
    now = StockLevel._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*on_hand_params, *reserved_params, now, *params])
        return cursor.rowcount == len(products)


def _by_product(pairs) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for product_id, quantity in pairs:
        totals[product_id] = totals.get(product_id, Decimal("0")) + quantity
    return totals


def _ledger(kind, warehouse, moves, actor, shipment=None) -> None:
    """One stock-move row per (order line, signed quantity), written in one statement."""
    StockMove.objects.bulk_create(
        [
            StockMove(
                kind=kind,
                product_id=line.product_id,
                warehouse=warehouse,
                quantity=quantity,
                order_line=line,
                shipment=shipment,
                actor=actor,
            )
            for line, quantity in moves
        ]
    )


def stock_reserve_lines(*, warehouse, lines, actor) -> None:
    """Reserve each line's open quantity, all or none: the caller's transaction rolls back on refusal."""
    wanted = [(line, line.quantity - line.shipped_quantity - line.reserved_quantity) for line in lines]
    wanted = [(line, quantity) for line, quantity in wanted if quantity > 0]
    if not wanted:
        return
    totals = _by_product((line.product_id, quantity) for line, quantity in wanted)
    if not _change_levels(warehouse, {p: (Decimal("0"), q) for p, q in totals.items()}, keep="available"):
        _refuse_reservation(warehouse, wanted, totals)
    for line, quantity in wanted:
        line.reserved_quantity += quantity
    _ledger(StockMove.Kind.RESERVATION, warehouse, wanted, actor)


def _refuse_reservation(warehouse, wanted, totals) -> None:
    """Name the first product that is short, and what is available of it."""
    levels = {
        level.product_id: level for level in StockLevel.objects.filter(warehouse=warehouse, product_id__in=totals)
    }
    for line, _quantity in sorted(wanted, key=lambda item: item[0].product_id):
        level = levels.get(line.product_id)
        available = level.available if level else Decimal("0")
        needed = totals[line.product_id]
        if needed > available:
            raise ApplicationError(
                _("Not enough stock of %(product)s in %(warehouse)s: %(qty)s needed, %(available)s available.")
                % {
                    "product": line.product,
                    "warehouse": warehouse,
                    "qty": plain_decimal(needed),
                    "available": plain_decimal(available),
                },
                ErrorCode.INSUFFICIENT_STOCK,
                {"product": line.product_id, "requested": str(needed), "available": str(available)},
            )
    raise AssertionError("a reservation was refused although every product has enough stock")


def stock_adjust_lines(*, warehouse, lines, actor) -> None:
    """Bring each line's reservation to its open quantity (ordered less shipped): more reserved where a change
    raised it, released where it lowered it; all or none, in one UPDATE of the stock levels.

    Refused, naming the product that is short, when what must be reserved is not available; the
    caller's transaction then rolls back with nothing changed.
    """
    deltas = [(line, line.quantity - line.shipped_quantity - line.reserved_quantity) for line in lines]
    deltas = [(line, quantity) for line, quantity in deltas if quantity != 0]
    if not deltas:
        return
    totals = _by_product((line.product_id, quantity) for line, quantity in deltas)
    changed = {p: (Decimal("0"), q) for p, q in totals.items() if q != 0}
    if changed and not _change_levels(warehouse, changed, keep="available"):
        wanted = [(line, quantity) for line, quantity in deltas if totals[line.product_id] > 0]
        _refuse_reservation(warehouse, wanted, {p: q for p, q in totals.items() if q > 0})
    for line, quantity in deltas:
        line.reserved_quantity += quantity
    _ledger(StockMove.Kind.RESERVATION, warehouse, [(ln, q) for ln, q in deltas if q > 0], actor)
    _ledger(StockMove.Kind.RELEASE, warehouse, [(ln, q) for ln, q in deltas if q < 0], actor)


def stock_release_lines(*, warehouse, lines, actor) -> None:
    held = [(line, line.reserved_quantity) for line in lines if line.reserved_quantity > 0]
    if not held:
        return
    totals = _by_product((line.product_id, quantity) for line, quantity in held)
    _change_levels(warehouse, {p: (Decimal("0"), -q) for p, q in totals.items()}, keep=None)
    for line, _quantity in held:
        line.reserved_quantity = Decimal("0")
    _ledger(StockMove.Kind.RELEASE, warehouse, [(line, -quantity) for line, quantity in held], actor)


def stock_ship_lines(*, warehouse, shipment, items, actor) -> None:
    """Take shipped quantities out of stock, consuming their reservation. items: [(order_line, qty)]."""
    # A confirmed line holds a reservation for everything not yet shipped, so shipping
    # always consumes reserved units; the rows' reserved counts must cover them too.
    short = next((line for line, quantity in items if line.reserved_quantity < quantity), None)
    totals = _by_product((line.product_id, quantity) for line, quantity in items)
    if short is None and not _change_levels(warehouse, {p: (-q, -q) for p, q in totals.items()}, keep="reserved"):
        levels = {
            level.product_id: level for level in StockLevel.objects.filter(warehouse=warehouse, product_id__in=totals)
        }
        short = next(
            line
            for line, _q in sorted(items, key=lambda item: item[0].product_id)
            if line.product_id not in levels or levels[line.product_id].reserved < totals[line.product_id]
        )
    if short is not None:
        raise ApplicationError(
            _("Not enough reserved stock of %(product)s in %(warehouse)s to ship %(qty)s.")
            % {"product": short.product, "warehouse": warehouse, "qty": plain_decimal(totals[short.product_id])},
            ErrorCode.INSUFFICIENT_STOCK,
            {"product": short.product_id},
        )
    for line, quantity in items:
        line.reserved_quantity -= quantity
    _ledger(StockMove.Kind.SHIPMENT, warehouse, [(line, -quantity) for line, quantity in items], actor, shipment)

"""Changes to a confirmed order, read side: a proposal checked, its impact, the revisions and their comparison.

The writes are sales.services_changes; everything here reads or computes, so the change page, the API
and the service show the same impact from the same function.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gendan.core.bounds import date_errors
from gendan.core.errors import ErrorCode
from gendan.core.hooks import Port
from gendan.core.numbers import plain_decimal
from gendan.core.services import row_errors
from gendan.inventory.models import StockLevel

from .lines import build_lines, checked_totals
from .models import CHANGE_HEADER_FIELDS, ChangeRequest, Order, OrderLine, OrderRevision

# How much of each order line waits in shipments not yet sent ({line id: quantity}); fulfillment answers.
pending_shipment_quantities = Port("sales.pending_shipment_quantities", default=lambda line_ids: {})

# Problems that stop a change from being submitted or applied; each is also the 409's code.
BLOCKING = (
    ErrorCode.NO_CHANGE,
    ErrorCode.BELOW_INVOICED,
    ErrorCode.BELOW_SHIPPED,
    ErrorCode.BELOW_PENDING_SHIPMENT,
    ErrorCode.INSUFFICIENT_STOCK,
)


@dataclass
class Proposal:
    """A change's next revision: its lines (existing ones keep their id) and the header fields it sets."""

    lines: list[OrderLine]
    header: dict
    # As stored on the ChangeRequest (JSON).
    stored_lines: list[dict]
    stored_header: dict
    subtotal: Decimal = Decimal("0")
    tax_amount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")


def build_proposal(order: Order, current_lines: list[OrderLine], rows, header: dict) -> Proposal:
    """Check the rows and header of a change to `order`, field-keyed ("lines.2.quantity") like order entry.

    rows: [{"line": id or None, "product", "quantity", "unit_price", "discount_percent"}], the whole new
    set of lines; a price or discount left out keeps the line's own (a new line: the list price).
    """
    unknown = set(header) - set(CHANGE_HEADER_FIELDS)
    if unknown:
        raise TypeError(f"a change got unexpected header fields {sorted(unknown)}")
    by_id = {line.pk: line for line in current_lines}
    errors, seen = [], set()
    filled = []
    for row in rows or []:
        row = dict(row)
        problems = {}
        line_id = row.get("line")
        existing = by_id.get(line_id) if line_id is not None else None
        if line_id is not None and existing is None:
            problems["line"] = [_("Not a line of this order.")]
        elif existing is not None:
            if line_id in seen:
                problems["line"] = [_("Each order line may appear once.")]
            seen.add(line_id)
            if row.get("product") is not None and row["product"].pk != existing.product_id:
                problems["product"] = [_("A line keeps its product; remove it and add a new line instead.")]
            if row.get("product") is None:
                row["product"] = existing.product
            if row.get("unit_price") is None:
                row["unit_price"] = existing.unit_price
            if row.get("discount_percent") is None:
                row["discount_percent"] = existing.discount_percent
        errors.append(problems)
        filled.append(row)
    try:
        new_lines = build_lines(filled)
    except ValidationError as exc:
        # Every row's problems at once: which line it is, and what is wrong with its numbers.
        flat = {key: list(messages) for key, messages in exc.message_dict.items()}
        for index, problems in enumerate(errors):
            for name, messages in problems.items():
                flat[f"lines.{index}.{name}"] = messages
        raise ValidationError(flat) from exc
    if any(errors):
        raise row_errors("lines", errors)
    for row, line in zip(filled, new_lines, strict=True):
        existing = by_id.get(row.get("line"))
        if existing is not None:
            line.pk = existing.pk
            line.shipped_quantity = existing.shipped_quantity
            line.invoiced_quantity = existing.invoiced_quantity
            line.delivered_quantity = existing.delivered_quantity
            line.reserved_quantity = existing.reserved_quantity
        line.order = order
    header_errors = date_errors(
        {k: v for k, v in header.items() if k in ("requested_date", "promised_date")}, planned=True
    )
    if header_errors:
        raise ValidationError(header_errors)
    proposal = Proposal(
        lines=new_lines,
        header=header,
        stored_lines=[
            {
                "line": line.pk,
                "product": line.product_id,
                "quantity": _quantity(line.quantity),
                "unit_price": _money(line.unit_price),
                "discount_percent": _money(line.discount_percent),
            }
            for line in new_lines
        ],
        stored_header={name: value.isoformat() if value else None for name, value in header.items()},
    )
    proposal.subtotal, proposal.tax_amount, proposal.total = checked_totals(new_lines, order.tax_rate, Order)
    return proposal


def stored_rows(change: ChangeRequest, products: dict) -> tuple[list[dict], dict]:
    """A change's stored lines and header as the rows and values build_proposal takes (products by id)."""
    rows = [
        {
            "line": row["line"],
            "product": products.get(row["product"]),
            "quantity": Decimal(row["quantity"]),
            "unit_price": Decimal(row["unit_price"]),
            "discount_percent": Decimal(row["discount_percent"]),
        }
        for row in change.lines
    ]
    header = {name: parse_date(value) if value else None for name, value in change.header.items()}
    return rows, header


_QUANTITY = Decimal("0.001")
_MONEY = Decimal("0.01")


def _quantity(value) -> str:
    """As the quantity column holds it ("15.000"), however it was typed, so revisions compare as text."""
    return str(Decimal(value).quantize(_QUANTITY))


def _money(value) -> str:
    return str(Decimal(value).quantize(_MONEY))


def _problem(code: ErrorCode, **values) -> dict:
    """A problem as stored: its code and values; its sentence is written in the reader's language (problem_text)."""
    return {"code": str(code), **values}


def problem_text(problem: dict) -> str:
    code = problem["code"]
    if code == ErrorCode.BELOW_INVOICED:
        return (
            _("Line %(line)s, %(product)s: %(qty)s are already invoiced; the quantity cannot go below that.") % problem
        )
    if code == ErrorCode.BELOW_SHIPPED:
        return (
            _("Line %(line)s, %(product)s: %(qty)s have already shipped; the quantity cannot go below that.") % problem
        )
    if code == ErrorCode.BELOW_PENDING_SHIPMENT:
        return (
            _(
                "Line %(line)s, %(product)s: %(qty)s are shipped or waiting in a shipment; cancel the "
                "shipment first to go below that."
            )
            % problem
        )
    if code == ErrorCode.INSUFFICIENT_STOCK:
        return _("%(product)s: %(qty)s more to reserve, %(available)s available.") % problem
    return _("Nothing changes: change a line or a date.")


def with_details(impact: dict) -> dict:
    """The impact with each problem's `detail`, in the reader's language."""
    return {**impact, "problems": [{**p, "detail": problem_text(p)} for p in impact.get("problems", [])]}


def change_impact(order: Order, current_lines: list[OrderLine], proposal: Proposal) -> dict:
    """What applying the proposal would do: per line, per product in the order's warehouse, to the totals and
    dates, and the problems that stop it. Two queries: the stock levels and the pending shipments."""
    proposed = {line.pk: line for line in proposal.lines if line.pk}
    pending = pending_shipment_quantities([line.pk for line in current_lines])
    problems, line_rows, reserve_by_product = [], [], {}
    products = {}

    def reserve(line, delta):
        products[line.product_id] = line.product
        reserve_by_product[line.product_id] = reserve_by_product.get(line.product_id, Decimal("0")) + delta

    for line in current_lines:
        new = proposed.get(line.pk)
        after = new.quantity if new is not None else Decimal("0")
        floor = max(line.shipped_quantity + pending.get(line.pk, Decimal("0")), line.invoiced_quantity)
        label = {"line": line.position, "product": line.product.sku}
        if after < line.invoiced_quantity:
            problems.append(_problem(ErrorCode.BELOW_INVOICED, **label, qty=plain_decimal(line.invoiced_quantity)))
        elif after < line.shipped_quantity:
            problems.append(_problem(ErrorCode.BELOW_SHIPPED, **label, qty=plain_decimal(line.shipped_quantity)))
        elif after < floor:
            problems.append(_problem(ErrorCode.BELOW_PENDING_SHIPMENT, **label, qty=plain_decimal(floor)))
        target = max(after - line.shipped_quantity, Decimal("0"))
        reserve(line, target - line.reserved_quantity)
        line_rows.append(_line_row(line, new, "same" if new is not None and _same(line, new) else None))
    for line in proposal.lines:
        if not line.pk:
            reserve(line, line.quantity)
            line_rows.append(_line_row(None, line, "added"))
    levels = {
        level.product_id: level
        for level in StockLevel.objects.filter(warehouse_id=order.warehouse_id, product_id__in=list(reserve_by_product))
    }
    stock = []
    for product_id in sorted(reserve_by_product):
        delta = reserve_by_product[product_id]
        if delta == 0:
            continue
        level = levels.get(product_id)
        available = level.available if level is not None else Decimal("0")
        product = products[product_id]
        stock.append(
            {
                "product": product_id,
                "sku": product.sku,
                "name": product.name,
                "warehouse": order.warehouse_id,
                "reserve": _quantity(max(delta, Decimal("0"))),
                "release": _quantity(max(-delta, Decimal("0"))),
                "available": _quantity(available),
                "enough": delta <= available,
            }
        )
        if delta > available:
            problems.append(
                _problem(
                    ErrorCode.INSUFFICIENT_STOCK,
                    product=product.sku,
                    qty=plain_decimal(delta),
                    available=plain_decimal(available),
                )
            )
    dates = [
        {"field": name, "before": _iso(getattr(order, name)), "after": _iso(value)}
        for name, value in proposal.header.items()
        if getattr(order, name) != value
    ]
    if not dates and all(row["kind"] == "same" for row in line_rows):
        problems.insert(0, _problem(ErrorCode.NO_CHANGE))
    return {
        "total_before": _money(order.total),
        "total_after": _money(proposal.total),
        "difference": _money(proposal.total - order.total),
        "subtotal_before": _money(order.subtotal),
        "subtotal_after": _money(proposal.subtotal),
        "stock": stock,
        "dates": dates,
        "lines": line_rows,
        "problems": problems,
    }


def _same(old: OrderLine, new: OrderLine) -> bool:
    return all(getattr(old, name) == getattr(new, name) for name in ("quantity", "unit_price", "discount_percent"))


def _line_row(old: OrderLine | None, new: OrderLine | None, kind: str | None) -> dict:
    line = new or old
    kind = kind or ("removed" if new is None else "changed")
    return {
        "line": old.pk if old is not None else None,
        "kind": kind,
        "product": line.product_id,
        "sku": line.product.sku,
        "name": line.product.name,
        "quantity_before": _quantity(old.quantity) if old is not None else None,
        "quantity_after": _quantity(new.quantity if new is not None else 0),
        "unit_price_before": _money(old.unit_price) if old is not None else None,
        "unit_price_after": _money(new.unit_price) if new is not None else None,
        "discount_before": _money(old.discount_percent) if old is not None else None,
        "discount_after": _money(new.discount_percent) if new is not None else None,
        "amount_before": _money(old.amount) if old is not None else None,
        "amount_after": _money(new.amount if new is not None else 0),
        "shipped": _quantity(old.shipped_quantity if old is not None else 0),
    }


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime.date) else value


def blocking_problem(impact: dict) -> dict | None:
    return next((p for p in impact["problems"] if p["code"] in BLOCKING), None)


# --- revisions ---------------------------------------------------------------------------------

# The header of a revision, in the order the comparison shows it.
REVISION_HEADER_FIELDS = ["promised_date", "requested_date", "subtotal", "tax_amount", "total"]


def revision_snapshot(order: Order, lines: list[OrderLine]) -> tuple[dict, list[dict]]:
    """An order's header and lines as a revision keeps them (removed lines left out)."""
    header = {name: _iso(getattr(order, name)) for name in REVISION_HEADER_FIELDS}
    header = {name: _money(value) if isinstance(value, Decimal) else value for name, value in header.items()}
    rows = [
        {
            "line": line.pk,
            "position": line.position,
            "product": line.product_id,
            "sku": line.product.sku,
            "name": line.product.name,
            "quantity": _quantity(line.quantity),
            "unit_price": _money(line.unit_price),
            "discount_percent": _money(line.discount_percent),
            "amount": _money(line.amount),
        }
        for line in lines
        if not line.is_removed
    ]
    return header, rows


def revisions_of(order: Order) -> list[OrderRevision]:
    """The order's revisions, oldest first; an order never changed is its own revision 1 (not stored)."""
    revisions = list(order.revisions.select_related("created_by", "change_request"))
    if revisions:
        return revisions
    lines = list(order.lines.select_related("product").order_by("position", "id"))
    header, rows = revision_snapshot(order, lines)
    return [
        OrderRevision(
            order=order,
            number=1,
            created_at=order.confirmed_at or order.created_at,
            created_by=order.created_by,
            header=header,
            lines=rows,
        )
    ]


@dataclass
class RevisionComparison:
    a: OrderRevision
    b: OrderRevision
    # [{"field", "before", "after", "changed"}] for every header field.
    header: list[dict] = field(default_factory=list)
    # [{"line", "sku", "name", "kind", "fields": {name: {"before", "after", "changed"}}}]
    lines: list[dict] = field(default_factory=list)

    @property
    def changed_header(self) -> list[dict]:
        return [row for row in self.header if row["changed"]]


LINE_COMPARED = ["quantity", "unit_price", "discount_percent", "amount"]


def compare_revisions(a: OrderRevision, b: OrderRevision) -> RevisionComparison:
    """Two revisions side by side: every header field and line, each cell marked when it changed. Pure."""
    header = [
        {
            "field": name,
            "before": a.header.get(name),
            "after": b.header.get(name),
            "changed": a.header.get(name) != b.header.get(name),
        }
        for name in REVISION_HEADER_FIELDS
    ]
    before = {row["line"]: row for row in a.lines}
    after = {row["line"]: row for row in b.lines}
    lines = []
    for line_id in [*before, *(line_id for line_id in after if line_id not in before)]:
        old, new = before.get(line_id), after.get(line_id)
        kind = "added" if old is None else "removed" if new is None else None
        cells = {
            name: {
                "before": old.get(name) if old else None,
                "after": new.get(name) if new else None,
                "changed": kind is not None or _number(old.get(name)) != _number(new.get(name)),
            }
            for name in LINE_COMPARED
        }
        if kind is None:
            kind = "changed" if any(cell["changed"] for cell in cells.values()) else "same"
        row = new or old
        lines.append({"line": line_id, "sku": row["sku"], "name": row["name"], "kind": kind, "fields": cells})
    return RevisionComparison(a=a, b=b, header=header, lines=lines)


def _number(value):
    return Decimal(value) if value is not None else None

"""Changes to a confirmed order (变更单): drafted with their impact, approved by the rules, applied in one transaction.

A change request holds the order's next revision. Submitting it asks the approval rules for
`order_change`; with no level to pass it applies at once. Applying re-reads the order under its lock,
works the impact out again, adjusts each line's reservation exactly (refused with nothing changed when
stock is short or a line would go below what has shipped or been invoiced), writes the revision, and
makes every other change under way stale: it was drafted on a revision that is no longer the order's.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.catalog.models import Product
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import check_version, require_perm, required_text
from gendan.inventory.services import stock_adjust_lines

from .approval_rules import ApprovalFacts
from .changes import blocking_problem, build_proposal, change_impact, problem_text, revision_snapshot, stored_rows
from .credit import CreditStage, credit_check
from .models import (
    CHANGEABLE_STATUSES,
    OPEN_CHANGE_STATUSES,
    ApprovalRequest,
    ApprovalSubject,
    ChangeRequest,
    ChangeStatus,
    Order,
    OrderLine,
    OrderRevision,
)
from .services import lock_order_with_lines, order_refresh_progress
from .services_approvals import approval_decide, approval_open, approval_plan

CHANGE_PERMISSION = "sales.change_order"
# Omitted from a call: the header field stays as the order has it.
UNCHANGED = object()


def _check_changeable(order: Order) -> None:
    if order.status not in CHANGEABLE_STATUSES:
        raise ApplicationError(
            _("Only a confirmed order that has not shipped in full can be changed; this one is %(status)s.")
            % {"status": order.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": order.status},
        )


def _lock(order: Order, actor):
    return lock_order_with_lines(order, actor=actor, related=["warehouse"], line_related=["product"])


def _require_reason(reason: str) -> str:
    return required_text(reason, field="reason", missing=_("Say why the order changes."))


def _proposal_of(order, lines, *, rows, header):
    """rows None: the lines as they are (a change of dates only)."""
    if rows is None:
        rows = [
            {
                "line": line.pk,
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
            }
            for line in lines
            if not line.is_removed
        ]
    return build_proposal(order, lines, rows, header)


def _header(order, given: dict, keep: dict | None = None) -> dict:
    """The header fields a change sets: those given, else those it set before (`keep`)."""
    header = dict(keep or {})
    for name, value in given.items():
        if value is not UNCHANGED:
            header[name] = value
    return header


@transaction.atomic
def change_request_create(
    *, order: Order, actor, reason: str, lines=None, promised_date=UNCHANGED, requested_date=UNCHANGED
) -> ChangeRequest:
    """A draft change of `order` with its impact worked out; nothing of the order changes yet.

    lines: the whole new set of lines (see sales.changes.build_proposal), or None to keep them.
    """
    require_perm(actor, CHANGE_PERMISSION)
    order, current = _lock(order, actor)
    _check_changeable(order)
    reason = _require_reason(reason)
    header = _header(order, {"promised_date": promised_date, "requested_date": requested_date})
    proposal = _proposal_of(order, current, rows=lines, header=header)
    number = (order.change_requests.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    change = ChangeRequest.objects.create(
        order=order,
        number=number,
        reason=reason,
        base_revision=order.revision,
        header=proposal.stored_header,
        lines=proposal.stored_lines,
        impact=change_impact(order, current, proposal),
        created_by=actor,
    )
    events.record(
        actor,
        "order.change_requested",
        order,
        data={"change": change.pk, "number": change.number, "reason": reason, "total_after": proposal.total},
    )
    return change


@transaction.atomic
def change_request_update(
    *,
    change: ChangeRequest,
    actor,
    version=None,
    reason=None,
    lines=None,
    promised_date=UNCHANGED,
    requested_date=UNCHANGED,
) -> ChangeRequest:
    """Edit a draft change: its reason, lines or dates; the impact is worked out again."""
    require_perm(actor, CHANGE_PERMISSION)
    order, current = _lock(change.order, actor)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    check_version(change, version)
    _check_draft(change)
    if reason is not None:
        change.reason = _require_reason(reason)
    kept_rows, kept_header = stored_rows(change, _products_of(change, current))
    header = _header(order, {"promised_date": promised_date, "requested_date": requested_date}, kept_header)
    proposal = _proposal_of(order, current, rows=lines if lines is not None else kept_rows, header=header)
    change.header, change.lines = proposal.stored_header, proposal.stored_lines
    change.impact = change_impact(order, current, proposal)
    change.version += 1
    change.save()
    return change


def _check_draft(change: ChangeRequest) -> None:
    if change.status != ChangeStatus.DRAFT:
        _refuse_status(change, _("Only a draft change can be edited or submitted; this one is %(status)s."))


def _refuse_status(change: ChangeRequest, message: str) -> None:
    code = ErrorCode.STALE_CHANGE if change.status == ChangeStatus.STALE else ErrorCode.TRANSITION_NOT_ALLOWED
    if change.status == ChangeStatus.STALE:
        message = _(
            "Another change to this order was applied after this one was drafted: redraft it on revision "
            "%(revision)s and check its impact again."
        ) % {"revision": change.order.revision}
    else:
        message = message % {"status": change.get_status_display()}
    raise ApplicationError(message, code, {"status": change.status})


def _products_of(change: ChangeRequest, current) -> dict:
    """The products of the change's lines: those of the order's lines in hand, the new ones read."""
    products = {line.product_id: line.product for line in current}
    missing = {row["product"] for row in change.lines} - set(products)
    if missing:
        products.update(Product.objects.in_bulk(missing))
    return products


def _fresh(change: ChangeRequest, order: Order, current):
    """The change's proposal and impact against the order as it is now (locked by the caller)."""
    rows, header = stored_rows(change, _products_of(change, current))
    proposal = build_proposal(order, current, rows, header)
    return proposal, change_impact(order, current, proposal)


def _refuse_problem(change: ChangeRequest, impact: dict) -> None:
    problem = blocking_problem(impact)
    if problem is not None:
        raise ApplicationError(problem_text(problem), ErrorCode(problem["code"]), {"problems": impact["problems"]})


def _lock_open(change: ChangeRequest, actor):
    """Lock the change's order (with its lines) and the change; a change drafted on an older revision is stale."""
    order, current = _lock(change.order, actor)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    change.order = order
    return order, current, change


@events.batched
def change_request_submit(*, change: ChangeRequest, actor) -> ChangeRequest:
    """Send the change through the approval rules for order changes: applied at once when none applies."""
    require_perm(actor, CHANGE_PERMISSION)
    order, current, change = _lock_open(change, actor)
    # A change drafted on an older revision went stale when the newer one was applied: refused here.
    _check_draft(change)
    _check_changeable(order)
    proposal, impact = _fresh(change, order, current)
    change.impact = impact
    _refuse_problem(change, impact)
    facts = ApprovalFacts(
        record=order,
        lines=proposal.lines,
        submitter=actor,
        total=proposal.total,
        current_lines=current,
        header=proposal.header,
    )
    approval = approval_open(
        record=order, plan=approval_plan(ApprovalSubject.ORDER_CHANGE, facts), actor=actor, change_request=change
    )
    change.submitted_at = timezone.now()
    if approval is None:
        return _apply(change, order, current, proposal, actor)
    change.status = ChangeStatus.PENDING_APPROVAL
    change.version += 1
    change.save(update_fields=["status", "submitted_at", "impact", "version", "updated_at"])
    events.record(
        actor,
        "order.change_submitted",
        order,
        data={
            "change": change.pk,
            "number": change.number,
            "reason": change.reason,
            "approval_reasons": approval.reasons,
            "approval_levels": len(approval.levels),
        },
    )
    return change


def _pending_approval(change: ChangeRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.get(change_request=change, status=ApprovalRequest.Status.PENDING)


def _check_pending(change: ChangeRequest) -> None:
    if change.status != ChangeStatus.PENDING_APPROVAL:
        _refuse_status(change, _("This change is not waiting for approval; it is %(status)s."))


@events.batched
def change_request_approve(*, change: ChangeRequest, actor, comment: str = "") -> ChangeRequest:
    """Approve the current level; the last level approved applies the change (or refuses it, nothing changed)."""
    order, current, change = _lock_open(change, actor)
    _check_pending(change)
    request = _pending_approval(change)
    level = request.level
    if not approval_decide(request=request, actor=actor, approve=True, comment=comment):
        events.record(
            actor,
            "order.change_approval_advanced",
            order,
            data={"change": change.pk, "number": change.number, "comment": comment, "level": level},
        )
        return change
    events.record(
        actor, "order.change_approved", order, data={"change": change.pk, "number": change.number, "comment": comment}
    )
    _check_changeable(order)
    proposal, impact = _fresh(change, order, current)
    change.impact = impact
    _refuse_problem(change, impact)
    return _apply(change, order, current, proposal, actor, approved_by=actor)


@transaction.atomic
def change_request_reject(*, change: ChangeRequest, actor, comment: str) -> ChangeRequest:
    order, _current, change = _lock_open(change, actor)
    _check_pending(change)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the change is rejected.")]})
    approval_decide(request=_pending_approval(change), actor=actor, approve=False, comment=comment)
    change.status = ChangeStatus.REJECTED
    change.decided_at = timezone.now()
    change.comment = comment
    change.version += 1
    change.save(update_fields=["status", "decided_at", "comment", "version", "updated_at"])
    events.record(
        actor, "order.change_rejected", order, data={"change": change.pk, "number": change.number, "comment": comment}
    )
    return change


@transaction.atomic
def change_request_cancel(*, change: ChangeRequest, actor, reason: str = "") -> ChangeRequest:
    """Withdraw a change not yet applied (draft, waiting for approval, or stale)."""
    require_perm(actor, CHANGE_PERMISSION)
    order, _current, change = _lock_open(change, actor)
    if change.status not in {*OPEN_CHANGE_STATUSES, ChangeStatus.STALE}:
        _refuse_status(change, _("Only a change not yet applied can be cancelled; this one is %(status)s."))
    now = timezone.now()
    change.approvals.filter(status=ApprovalRequest.Status.PENDING).update(
        status=ApprovalRequest.Status.REJECTED, decided_by=actor, decided_at=now, comment=reason
    )
    change.status = ChangeStatus.CANCELLED
    change.decided_at = now
    change.comment = reason
    change.version += 1
    change.save(update_fields=["status", "decided_at", "comment", "version", "updated_at"])
    events.record(actor, "order.change_cancelled", order, data={"change": change.pk, "number": change.number})
    return change


@transaction.atomic
def change_request_rebase(*, change: ChangeRequest, actor) -> ChangeRequest:
    """Carry a stale change onto the order's current revision: a draft again, its impact worked out anew.

    What the change itself changed (against the revision it was drafted on) stands; everything else takes
    the current revision's values, so the change applied in between is not undone. A line both changed
    keeps this change's values, and is named in the event's `conflicts`.
    """
    require_perm(actor, CHANGE_PERMISSION)
    order, current, change = _lock_open(change, actor)
    if change.status != ChangeStatus.STALE:
        _refuse_status(change, _("Only a stale change can be rebased; this one is %(status)s."))
    base = OrderRevision.objects.get(order=order, number=change.base_revision)
    head = OrderRevision.objects.get(order=order, number=order.revision)
    change.lines, change.header, conflicts = rebased(change, base, head)
    proposal, impact = _fresh(change, order, current)
    change.lines, change.impact = proposal.stored_lines, impact
    change.base_revision = order.revision
    change.status = ChangeStatus.DRAFT
    change.version += 1
    change.save()
    events.record(
        actor,
        "order.change_rebased",
        order,
        data={"change": change.pk, "number": change.number, "revision": order.revision, "conflicts": conflicts},
    )
    return change


_LINE_FIELDS = ("quantity", "unit_price", "discount_percent")


def rebased(change: ChangeRequest, base: OrderRevision, head: OrderRevision) -> tuple[list, dict, list]:
    """A three-way merge of the change's lines and header: (lines, header, conflicting line ids). Pure."""
    base_lines = {row["line"]: row for row in base.lines}
    head_lines = {row["line"]: row for row in head.lines}
    mine = {row["line"]: row for row in change.lines if row["line"] is not None}
    lines, conflicts = [], []
    for line_id, head_row in head_lines.items():
        base_row = base_lines.get(line_id)
        if base_row is None:
            # Added by the change applied in between: this change never saw it, so it keeps it.
            lines.append({"line": line_id, "product": head_row["product"], **{f: head_row[f] for f in _LINE_FIELDS}})
            continue
        row = mine.get(line_id)
        if row is None:
            # This change removed it: still removed.
            continue
        merged = {"line": line_id, "product": head_row["product"]}
        for name in _LINE_FIELDS:
            ours_changed = Decimal(row[name]) != Decimal(base_row[name])
            theirs_changed = Decimal(head_row[name]) != Decimal(base_row[name])
            merged[name] = row[name] if ours_changed else head_row[name]
            if ours_changed and theirs_changed and Decimal(row[name]) != Decimal(head_row[name]):
                conflicts.append(line_id)
        lines.append(merged)
    lines += [row for row in change.lines if row["line"] is None]
    header = {name: value for name, value in change.header.items() if value != base.header.get(name)}
    return lines, header, sorted(set(conflicts))


def _go_stale(changes, order: Order, actor) -> None:
    """Mark `changes` stale (another change was applied first) and close their approvals."""
    now = timezone.now()
    ids = [change.pk for change in changes]
    ApprovalRequest.objects.filter(change_request__in=ids, status=ApprovalRequest.Status.PENDING).update(
        status=ApprovalRequest.Status.REJECTED,
        decided_at=now,
        comment=_("Another change to the order was applied first."),
    )
    ChangeRequest.objects.filter(pk__in=ids).update(status=ChangeStatus.STALE, updated_at=now)
    for change in changes:
        change.status = ChangeStatus.STALE
        events.record(actor, "order.change_stale", order, data={"change": change.pk, "number": change.number})


def _apply(change: ChangeRequest, order: Order, current, proposal, actor, approved_by=None) -> ChangeRequest:
    """Make the order the change's revision: lines, reservations, totals, dates, revision rows; one transaction
    (the caller's), with the order and its lines locked."""
    if proposal.total > order.total:
        # What the customer will owe grows: confirmed anew against their credit limit, before any stock is locked.
        credit_check(order, actor=actor, stage=CreditStage.CONFIRMATION, total=proposal.total)
    now = timezone.now()
    if order.revision == 1:
        # The first change: the order as confirmed becomes revision 1, to compare with.
        header, rows = revision_snapshot(order, current)
        OrderRevision.objects.create(
            order=order,
            number=1,
            created_at=order.confirmed_at or order.created_at,
            created_by_id=order.created_by_id,
            header=header,
            lines=rows,
        )
    proposed = {line.pk: line for line in proposal.lines if line.pk}
    added = [line for line in proposal.lines if not line.pk]
    position = max((line.position for line in current), default=0)
    for line in added:
        position += 1
        line.position = position
        line.unit_cost = line.product.cost
    OrderLine.objects.bulk_create(added)
    kept = []
    for line in current:
        new = proposed.get(line.pk)
        if new is None:
            # Removed: only a line nothing of which has shipped (the impact refuses the rest).
            line.quantity = line.amount = Decimal("0")
        else:
            line.quantity = new.quantity
            line.unit_price = new.unit_price
            line.discount_percent = new.discount_percent
            line.amount = new.amount
        kept.append(line)
    lines = kept + added
    stock_adjust_lines(warehouse=order.warehouse, lines=lines, actor=actor)
    OrderLine.objects.bulk_update(lines, ["quantity", "unit_price", "discount_percent", "amount", "reserved_quantity"])
    before = {name: getattr(order, name) for name in ("promised_date", "requested_date", "total")}
    for name, value in proposal.header.items():
        setattr(order, name, value)
    order.subtotal, order.tax_amount, order.total = proposal.subtotal, proposal.tax_amount, proposal.total
    order.revision += 1
    order.version += 1
    order.save(
        update_fields=[
            "promised_date",
            "requested_date",
            "subtotal",
            "tax_amount",
            "total",
            "revision",
            "version",
            "updated_at",
        ]
    )
    header, rows = revision_snapshot(order, lines)
    OrderRevision.objects.create(
        order=order,
        number=order.revision,
        created_at=now,
        created_by_id=change.created_by_id,
        reason=change.reason,
        change_request=change,
        header=header,
        lines=rows,
    )
    change.status = ChangeStatus.APPLIED
    change.revision = order.revision
    change.decided_at = now
    change.version += 1
    change.save()
    others = list(order.change_requests.filter(status__in=OPEN_CHANGE_STATUSES).exclude(pk=change.pk))
    if others:
        _go_stale(others, order, actor)
    events.record(
        actor,
        "order.change_applied",
        order,
        changes={name: [before[name], getattr(order, name)] for name in before if before[name] != getattr(order, name)},
        data={
            "change": change.pk,
            "number": change.number,
            "reason": change.reason,
            "revision": order.revision,
            "approved_by": approved_by.pk if approved_by is not None else None,
            # The notice of the change opens the comparison of the revision before and this one.
            "url": reverse("sales:order_revisions_compare", args=[order.pk])
            + f"?a={order.revision - 1}&b={order.revision}",
        },
    )
    order_refresh_progress(order=order, actor=actor, lines=lines)
    return change

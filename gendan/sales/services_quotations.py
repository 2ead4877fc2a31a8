"""Everything that can happen to a quotation (报价单). Each function is one transaction and records its event.

A quotation goes draft → sent → accepted / rejected / expired; where an approval rule for
quotations catches it on its way out (a price below floor, a big total), draft → pending approval
→ approved → sent, and a rejection returns it to draft with the approver's reason. Revising a sent, rejected or
expired one makes a new version — a draft with the same number — and retires the old one
(superseded), which stays as it was, read-only, to compare with. Accepting makes a draft
order through `order_create`, so every rule of order entry applies to it; the order's own
approval rules judge its prices again when it is submitted.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.scoping import ensure_in_scope, is_visible, require_visible
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import HUNDRED
from gendan.core.numbering import next_number
from gendan.core.services import apply_to_each, check_version, require_perm
from gendan.crm.models import Customer

from .approval_rules import ApprovalFacts
from .lines import build_lines, checked_totals
from .models import (
    QUOTATION_ACTIONS,
    QUOTATION_STATES,
    ApprovalRequest,
    ApprovalSubject,
    Order,
    Quotation,
    QuotationLine,
    QuotationStatus,
)
from .services import order_create
from .services_approvals import approval_decide, approval_open, approval_plan

# The header fields a quotation is created and edited with (besides its customer and lines).
QUOTATION_FIELDS = ["contact", "opportunity", "owner", "valid_until", "tax_rate", "terms", "notes"]
# How long a new quotation is valid unless a date is given.
VALID_DAYS = 30

# Lazy: this table is built at import, before any request has chosen a language.
ACTION_LABELS = {
    "send": pgettext_lazy("quotation action", "send"),
    "revise": pgettext_lazy("quotation action", "revise"),
    "accept": pgettext_lazy("quotation action", "accept"),
    "reject": pgettext_lazy("quotation action", "reject"),
}


def default_valid_until(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=VALID_DAYS)


def is_past_validity(quotation: Quotation, today: datetime.date | None = None) -> bool:
    """Its last valid day is over (whether or not the nightly run has marked it expired yet)."""
    return quotation.valid_until < (today or timezone.localdate())


# --- locking and the transition guard ---------------------------------------------------------


def lock_quotation(quotation: Quotation, *, actor) -> Quotation:
    """Re-read the quotation under a row lock, refusing an actor who may not see it."""
    locked = Quotation.objects.select_for_update(of=("self",)).select_related("customer").get(pk=quotation.pk)
    require_visible(Quotation.objects, locked, actor)
    return locked


def _move_to(quotation: Quotation, status: str, *, actor, verb: str, data=None, extra_fields=(), root=None) -> None:
    QUOTATION_STATES.move(quotation, status, actor=actor, verb=verb, data=data, extra_fields=extra_fields, root=root)


def _check_action(quotation: Quotation, action: str, actor) -> None:
    from_statuses, perms = QUOTATION_ACTIONS[action]
    for perm in perms:
        require_perm(actor, perm)
    if quotation.status not in from_statuses:
        raise ApplicationError(
            _("Cannot %(action)s a quotation that is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": quotation.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"action": action, "status": quotation.status},
        )


def _refuse_if_expired(quotation: Quotation) -> None:
    if quotation.status == QuotationStatus.EXPIRED or (
        quotation.status == QuotationStatus.SENT and is_past_validity(quotation)
    ):
        raise ApplicationError(
            _("This quotation was valid until %(date)s. Revise it to make the customer a new offer.")
            % {"date": quotation.valid_until.isoformat()},
            ErrorCode.QUOTATION_EXPIRED,
            {"status": quotation.status, "valid_until": quotation.valid_until.isoformat()},
        )


# --- lines and totals --------------------------------------------------------------------------


def is_below_floor(product, unit_price, discount_percent) -> bool:
    """The net price (after the discount) is below the product's floor price — as order approval judges it."""
    return Decimal(unit_price) * (HUNDRED - Decimal(discount_percent)) / HUNDRED < product.floor_price


def _build_lines(rows) -> list[QuotationLine]:
    """Quotation lines, checked as order lines are; a price below floor is flagged, not refused."""
    return build_lines(
        rows,
        QuotationLine,
        extra=lambda product, unit_price, discount: {"below_floor": is_below_floor(product, unit_price, discount)},
    )


def _apply_totals(quotation: Quotation, lines) -> None:
    quotation.subtotal, quotation.tax_amount, quotation.total = checked_totals(lines, quotation.tax_rate, Quotation)
    quotation.below_floor = any(line.below_floor for line in lines)


def _validate_header(quotation: Quotation, actor) -> None:
    errors = {}
    if quotation.customer_id and not is_visible(Customer.objects, quotation.customer, actor):
        errors["customer"] = [_("Choose one of your customers.")]
    if quotation.contact_id and quotation.contact.customer_id != quotation.customer_id:
        errors["contact"] = [_("This contact belongs to another customer.")]
    if quotation.opportunity_id and quotation.opportunity.customer_id != quotation.customer_id:
        errors["opportunity"] = [_("This opportunity belongs to another customer.")]
    if not quotation.owner.is_active:
        errors["owner"] = [_("Choose someone who still works here.")]
    if quotation.valid_until is None:
        errors["valid_until"] = [_("Say until when the quotation is valid.")]
    elif quotation.valid_until < timezone.localdate():
        errors["valid_until"] = [_("A quotation must be valid at least until today.")]
    else:
        errors.update(date_errors({"valid_until": quotation.valid_until}, planned=True))
    if quotation.tax_rate is None or not Decimal("0") <= Decimal(quotation.tax_rate) <= HUNDRED:
        errors["tax_rate"] = [_("A tax rate is between 0 and 100%.")]
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: dict, allowed, service: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{service} got unexpected fields {sorted(unknown)}")


# --- writing one -------------------------------------------------------------------------------


@transaction.atomic
def quotation_create(*, actor, customer: Customer, lines, **fields) -> Quotation:
    require_perm(actor, "sales.add_quotation")
    _check_fields(fields, QUOTATION_FIELDS, "quotation_create")
    if fields.get("owner") is None:
        # The customer's rep is responsible unless someone else is named.
        fields["owner"] = customer.owner
    if fields.get("valid_until") is None:
        fields["valid_until"] = default_valid_until()
    if fields.get("tax_rate") is None:
        fields["tax_rate"] = settings.DEFAULT_TAX_RATE
    quotation = Quotation(customer=customer, created_by=actor, currency=settings.DEFAULT_CURRENCY, **fields)
    _validate_header(quotation, actor)
    quotation_lines = _build_lines(lines)
    _apply_totals(quotation, quotation_lines)
    quotation.number = next_number("quotation")
    quotation.save()
    ensure_in_scope(Quotation.objects, quotation, actor)
    for line in quotation_lines:
        line.quotation = quotation
    QuotationLine.objects.bulk_create(quotation_lines)
    events.record(
        actor,
        "quotation.created",
        quotation,
        data={"customer": customer.pk, "total": quotation.total, "lines": len(quotation_lines), "revision": 1},
    )
    return quotation


@transaction.atomic
def quotation_update(*, quotation: Quotation, actor, version=None, lines=None, **fields) -> Quotation:
    """Edit a draft. Lines, when given, replace the quotation's lines."""
    require_perm(actor, "sales.change_quotation")
    quotation = lock_quotation(quotation, actor=actor)
    check_version(quotation, version)
    if not quotation.is_editable:
        raise ApplicationError(
            _("Only a draft can be edited; this quotation is %(status)s.") % {"status": quotation.get_status_display()},
            ErrorCode.NOT_EDITABLE,
            {"status": quotation.status},
        )
    _check_fields(fields, ["customer", *QUOTATION_FIELDS], "quotation_update")
    if "owner" in fields and fields["owner"] is None:
        del fields["owner"]  # "no one named" keeps the current owner
    if "tax_rate" in fields and fields["tax_rate"] is None:
        fields["tax_rate"] = settings.DEFAULT_TAX_RATE
    watched = [*fields, "total"]
    before = events.snapshot(quotation, watched)
    for name, value in fields.items():
        setattr(quotation, name, value)
    _validate_header(quotation, actor)
    if lines is not None:
        new_lines = _build_lines(lines)
    else:
        new_lines = list(quotation.lines.select_related("product"))
        for line in new_lines:
            line.below_floor = is_below_floor(line.product, line.unit_price, line.discount_percent)
    _apply_totals(quotation, new_lines)
    if lines is not None:
        quotation.lines.all().delete()
        for line in new_lines:
            line.quotation = quotation
        QuotationLine.objects.bulk_create(new_lines)
    changes = events.diff(before, events.snapshot(quotation, watched))
    quotation.version += 1
    quotation.save()
    ensure_in_scope(Quotation.objects, quotation, actor)
    events.record(
        actor,
        "quotation.updated",
        quotation,
        changes=changes,
        data={"lines": len(new_lines)} if lines is not None else {},
    )
    return quotation


# --- its life with the customer ----------------------------------------------------------------


@events.batched
def quotation_send(*, quotation: Quotation, actor) -> Quotation:
    """Mark the quotation as sent to the customer (by whatever channel the rep used: the PDF, WeChat, e-mail).

    A draft an approval rule for quotations catches waits for approval instead (pending approval), and
    is sent once approved.
    """
    quotation = lock_quotation(quotation, actor=actor)
    _check_action(quotation, "send", actor)
    if is_past_validity(quotation):
        raise ValidationError(
            {"valid_until": [_("Its validity date has passed: set a later one before sending the quotation.")]}
        )
    if quotation.status == QuotationStatus.DRAFT:
        lines = list(quotation.lines.select_related("product"))
        facts = ApprovalFacts(record=quotation, lines=lines, submitter=actor, total=quotation.total)
        plan = approval_plan(ApprovalSubject.QUOTATION, facts)
        approval = approval_open(record=quotation, plan=plan, actor=actor)
        if approval is not None:
            _move_to(
                quotation,
                QuotationStatus.PENDING_APPROVAL,
                actor=actor,
                verb="quotation.submitted",
                data={"approval_reasons": approval.reasons, "approval_levels": len(approval.levels)},
            )
            return quotation
    quotation.sent_at = timezone.now()
    _move_to(
        quotation,
        QuotationStatus.SENT,
        actor=actor,
        verb="quotation.sent",
        data={
            "customer": quotation.customer_id,
            "opportunity": quotation.opportunity_id,
            "total": quotation.total,
            "revision": quotation.revision,
        },
        extra_fields=["sent_at"],
    )
    return quotation


def _pending_approval(quotation: Quotation) -> ApprovalRequest:
    if quotation.status != QuotationStatus.PENDING_APPROVAL:
        raise ApplicationError(
            _("This quotation is not waiting for approval; it is %(status)s.")
            % {"status": quotation.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": quotation.status},
        )
    return ApprovalRequest.objects.get(quotation=quotation, status=ApprovalRequest.Status.PENDING)


@transaction.atomic
def quotation_approve(*, quotation: Quotation, actor, comment: str = "") -> Quotation:
    """Approve the current level of the quotation's approval; the last level makes it approved, ready to send."""
    quotation = lock_quotation(quotation, actor=actor)
    request = _pending_approval(quotation)
    level = request.level
    if not approval_decide(request=request, actor=actor, approve=True, comment=comment):
        events.record(
            actor,
            "quotation.approval_advanced",
            quotation,
            data={"comment": comment, "level": level, "levels": len(request.levels)},
        )
        return quotation
    _move_to(quotation, QuotationStatus.APPROVED, actor=actor, verb="quotation.approved", data={"comment": comment})
    return quotation


@transaction.atomic
def quotation_approval_reject(*, quotation: Quotation, actor, comment: str) -> Quotation:
    """Refuse the quotation's approval: back to a draft for its owner to rework, with the reason."""
    quotation = lock_quotation(quotation, actor=actor)
    request = _pending_approval(quotation)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the quotation is rejected.")]})
    approval_decide(request=request, actor=actor, approve=False, comment=comment)
    _move_to(
        quotation,
        QuotationStatus.DRAFT,
        actor=actor,
        verb="quotation.approval_rejected",
        data={"comment": comment},
    )
    return quotation


@transaction.atomic
def quotation_revise(*, quotation: Quotation, actor) -> Quotation:
    """A new version to edit and send again: a draft copy with the same number. The old one is kept, read-only."""
    old = lock_quotation(quotation, actor=actor)
    _check_action(old, "revise", actor)
    today = timezone.localdate()
    # Retired first: the database allows one live version per number.
    _move_to(
        old,
        QuotationStatus.SUPERSEDED,
        actor=actor,
        verb="quotation.superseded",
        data={"revision": old.revision + 1},
    )
    old_lines = list(old.lines.select_related("product"))
    new = Quotation(
        number=old.number,
        revision=old.revision + 1,
        previous=old,
        customer=old.customer,
        contact_id=old.contact_id,
        opportunity_id=old.opportunity_id,
        owner_id=old.owner_id,
        valid_until=old.valid_until if old.valid_until >= today else default_valid_until(today),
        currency=old.currency,
        tax_rate=old.tax_rate,
        terms=old.terms,
        notes=old.notes,
        created_by=actor,
    )
    new_lines = [
        QuotationLine(
            position=line.position,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            amount=line.amount,
            # Against today's floor price, which may have moved since.
            below_floor=is_below_floor(line.product, line.unit_price, line.discount_percent),
        )
        for line in old_lines
    ]
    _apply_totals(new, new_lines)
    new.save()
    for line in new_lines:
        line.quotation = new
    QuotationLine.objects.bulk_create(new_lines)
    events.record(
        actor,
        "quotation.created",
        new,
        data={
            "customer": new.customer_id,
            "total": new.total,
            "lines": len(new_lines),
            "revision": new.revision,
            "previous": old.pk,
        },
    )
    return new


@transaction.atomic
def quotation_accept(*, quotation: Quotation, actor, warehouse=None) -> Order:
    """The customer accepted: a draft order with the quotation's lines and prices, linked both ways."""
    quotation = lock_quotation(quotation, actor=actor)
    for perm in QUOTATION_ACTIONS["accept"][1]:
        require_perm(actor, perm)
    _refuse_if_expired(quotation)
    _check_action(quotation, "accept", actor)
    customer = quotation.customer
    lines = list(quotation.lines.select_related("product"))
    order = order_create(
        actor=actor,
        customer=customer,
        # The customer accepted this quotation: a document of its own, not a second entry of an order.
        check_duplicates=False,
        owner=quotation.owner,
        warehouse=warehouse,
        contact=quotation.contact,
        # The customer's first address, as order entry proposes; the order is a draft to complete.
        shipping_address=customer.addresses.order_by("id").first(),
        tax_rate=quotation.tax_rate,
        notes=_("From quotation %(number)s.") % {"number": quotation.label},
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
            }
            for line in lines
        ],
    )
    quotation.order = order
    quotation.decided_at = timezone.now()
    _move_to(
        quotation,
        QuotationStatus.ACCEPTED,
        actor=actor,
        verb="quotation.accepted",
        data={"order": order.pk, "order_number": order.number},
        extra_fields=["order", "decided_at"],
        # On the order's timeline too: where it came from.
        root=order,
    )
    return order


@transaction.atomic
def quotation_reject(*, quotation: Quotation, actor, reason: str) -> Quotation:
    """The customer declined, for a reason worth keeping (price, delivery time, a competitor)."""
    quotation = lock_quotation(quotation, actor=actor)
    _check_action(quotation, "reject", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    limit = Quotation._meta.get_field("reject_reason").max_length
    if len(reason) > limit:
        raise ValidationError({"reason": [_("Use at most %(limit)s characters.") % {"limit": limit}]})
    quotation.reject_reason = reason
    quotation.decided_at = timezone.now()
    _move_to(
        quotation,
        QuotationStatus.REJECTED,
        actor=actor,
        verb="quotation.rejected",
        data={"reason": reason},
        extra_fields=["reject_reason", "decided_at"],
    )
    return quotation


@transaction.atomic
def quotation_expire(*, quotation: Quotation, today: datetime.date | None = None) -> Quotation:
    """The system marks a sent quotation expired once its last valid day is over. No person acts."""
    quotation = Quotation.objects.select_for_update(of=("self",)).get(pk=quotation.pk)
    if quotation.status != QuotationStatus.SENT or not is_past_validity(quotation, today):
        raise ApplicationError(
            _("Only a sent quotation whose validity has passed can expire."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": quotation.status, "valid_until": quotation.valid_until.isoformat()},
        )
    _move_to(
        quotation,
        QuotationStatus.EXPIRED,
        actor=None,
        verb="quotation.expired",
        data={"valid_until": quotation.valid_until},
    )
    return quotation


def quotations_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire every sent quotation past its validity, each in its own transaction; returns how many.

    Safe to run twice or beside a person answering one: a quotation answered meanwhile is
    refused by quotation_expire's re-check under the lock, and skipped.
    """
    today = today or timezone.localdate()
    due = Quotation.objects.filter(status=QuotationStatus.SENT, valid_until__lt=today).values_list("pk", flat=True)
    return apply_to_each(due, lambda pk: quotation_expire(quotation=Quotation(pk=pk), today=today))

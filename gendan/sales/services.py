"""Everything that can happen to a sales order. Each function is one transaction and records its event."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.accounts.roles import SELLING_ROLES, assigns_automatically
from gendan.accounts.scoping import ensure_in_scope, invisible, is_visible, out_of_sight_error, require_visible
from gendan.core import custom_fields as custom
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ErrorCode, ItemErrors
from gendan.core.hooks import assign_owner
from gendan.core.locks import lock_many_with_children, lock_with_children
from gendan.core.money import HUNDRED
from gendan.core.numbering import next_number
from gendan.core.services import check_version, require_perm, required_text, save_all
from gendan.crm.models import Customer
from gendan.inventory.models import Warehouse
from gendan.inventory.selectors import default_warehouse
from gendan.inventory.services import stock_release_lines, stock_reserve_lines

from .approval_rules import ApprovalFacts
from .credit import CreditStage, credit_check
from .lines import build_lines, checked_totals
from .models import (
    ACTIONS,
    BOARD_MOVES,
    DECISIONS,
    OPEN_CHANGE_STATUSES,
    OPEN_STATUSES,
    ORDER_STATES,
    PAYMENT_TERMS_MAX_DAYS,
    ApprovalRequest,
    ApprovalSubject,
    ChangeStatus,
    CreditOverrideStatus,
    Order,
    OrderLine,
    OrderStatus,
    board_column_of,
)
from .services_approvals import approval_decide, approval_open, approval_plan
from .status import PaymentStatus, billing_status_of, delivery_status_of, payment_status_of, road_of

ORDER_FIELDS = [
    "customer",
    "contact",
    "shipping_address",
    "warehouse",
    "owner",
    "priority",
    "requested_date",
    "promised_date",
    "customer_reference",
    "payment_terms_days",
    "tax_rate",
    "notes",
]


# --- locking and the transition guard ---------------------------------------------------------


def lock_order(order: Order, *, actor) -> Order:
    """Re-read the order under a row lock, refusing an actor who may not see it.

    Lock the order before its lines and stock. Edges already fetch through visible_to;
    checking here too means no caller (import, task, script) can act out of scope.
    """
    return lock_order_with_lines(order, actor=actor)[0]


def lock_order_with_lines(order: Order, *, actor, related=(), line_related=()) -> tuple[Order, list[OrderLine]]:
    """lock_order, and the order's lines (by position), in one statement.

    related / line_related: foreign keys of the order / of its lines whose rows come joined
    to them (an order's address, its lines' products).
    """
    # Only the order's row is locked, not its customer's or warehouse's: locking those would
    # make every order of one warehouse queue behind each other on PostgreSQL.
    locked, lines = lock_with_children(
        OrderLine.objects, "order", order.pk, related=related, child_related=line_related, order_by="position"
    )
    require_visible(Order.objects, locked, actor)
    _keep_cached_relations(order, locked, ("customer", "warehouse", "owner"))
    return locked, lines


def lock_orders_with_lines(order_ids, *, actor, related=()) -> dict[int, tuple[Order, list[OrderLine]]]:
    """lock_order_with_lines for a batch of orders (an import's), in one statement: {order id: (order, lines)}.

    Raises ItemErrors naming the position in `order_ids` of each order the actor does not see or that is gone.
    """
    order_ids = list(order_ids)
    found = lock_many_with_children(OrderLine.objects, "order", order_ids, related=related, order_by="position")
    hidden = invisible(Order.objects, [locked for locked, _lines in found.values()], actor)
    refused = {index: out_of_sight_error() for index, pk in enumerate(order_ids) if pk in hidden or pk not in found}
    if refused:
        raise ItemErrors(refused)
    return found


def _keep_cached_relations(given, fresh, names) -> None:
    """Hand the related rows the caller had loaded (the same ones: ids match) to the fresh copy."""
    for name in names:
        field = type(fresh)._meta.get_field(name)
        if field.is_cached(given) and getattr(given, field.attname) == getattr(fresh, field.attname):
            field.set_cached_value(fresh, field.get_cached_value(given))


def _check_action(order: Order, action: str, actor) -> None:
    from_statuses, perm = ACTIONS[action]
    # Approving and rejecting need a place among the current level's approvers (approval_decide), which
    # a rule may give to any role or person, not the permission.
    if action not in DECISIONS:
        require_perm(actor, perm)
    if order.status not in from_statuses:
        raise ApplicationError(
            _("Cannot %(action)s an order that is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": order.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"action": action, "status": order.status},
        )


# Lazy: this table is built at import, before any request has chosen a language.
ACTION_LABELS = {
    "submit": gettext_lazy("submit"),
    "approve": gettext_lazy("approve"),
    "reject": gettext_lazy("reject"),
    "hold": gettext_lazy("put on hold"),
    "resume": gettext_lazy("resume"),
    "cancel": gettext_lazy("cancel"),
}


# --- entering an order -----------------------------------------------------------------------


def _apply_totals(order: Order, lines) -> None:
    order.subtotal, order.tax_amount, order.total = checked_totals(lines, order.tax_rate, Order)


def _validate_header(order: Order, actor, custom_errors: dict | None = None) -> None:
    """Refuse the order's header problems together with those of its custom fields, all keyed by field."""
    errors = dict(custom_errors or {})
    if order.customer_id and not is_visible(Customer.objects, order.customer, actor):
        errors["customer"] = [_("Choose one of your customers.")]
    if order.contact_id and order.contact.customer_id != order.customer_id:
        errors["contact"] = [_("This contact belongs to another customer.")]
    if order.shipping_address_id and order.shipping_address.customer_id != order.customer_id:
        errors["shipping_address"] = [_("This address belongs to another customer.")]
    if not Decimal("0") <= Decimal(order.tax_rate) <= HUNDRED:
        errors["tax_rate"] = [_("A tax rate is between 0 and 100%.")]
    if not 0 <= order.payment_terms_days <= PAYMENT_TERMS_MAX_DAYS:
        errors["payment_terms_days"] = [
            _("Payment terms are from 0 to %(max)s days.") % {"max": PAYMENT_TERMS_MAX_DAYS}
        ]
    errors.update(
        date_errors({"requested_date": order.requested_date, "promised_date": order.promised_date}, planned=True)
    )
    if errors:
        raise ValidationError(errors)


# How far back an order with the same customer, products and quantities counts as a likely duplicate.
DUPLICATE_WINDOW = datetime.timedelta(hours=24)


def _duplicates_of(customer: Customer, order_lines) -> list[str]:
    """The numbers of the customer's orders of the last 24 hours, not cancelled, with the same products and quantities."""
    wanted = sorted((line.product_id, line.quantity) for line in order_lines)
    recent = Order.objects.filter(customer=customer, created_at__gte=timezone.now() - DUPLICATE_WINDOW).exclude(
        status=OrderStatus.CANCELLED
    )
    found = {}
    for order_id, number, product_id, quantity in OrderLine.objects.filter(order__in=recent).values_list(
        "order_id", "order__number", "product_id", "quantity"
    ):
        found.setdefault((order_id, number), []).append((product_id, quantity))
    return sorted(number for (_id, number), rows in found.items() if sorted(rows) == wanted)


@events.batched
def order_create(
    *,
    actor,
    customer: Customer,
    lines,
    warehouse: Warehouse | None = None,
    owner=None,
    submit: bool = False,
    duplicate_reason: str = "",
    check_duplicates: bool = True,
    custom_fields=None,
    **fields,
) -> Order:
    """A draft order; with submit, submitted at once too ("save and submit"): both or neither.

    An order like one the customer placed in the last 24 hours (same products, same quantities) is
    refused as a likely duplicate unless `duplicate_reason` says why it is not; the reason goes on the
    record. `check_duplicates=False` is for orders that come from a document of their own (a quotation
    the customer accepted).
    """
    require_perm(actor, "sales.add_order")
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"order_create got unexpected fields {sorted(unknown)}")
    warehouse = warehouse or default_warehouse()
    if warehouse is None:
        raise ValidationError({"warehouse": [_("Set up a warehouse first.")]})
    fields.setdefault("tax_rate", settings.DEFAULT_TAX_RATE)
    if fields.get("payment_terms_days") is None:
        fields["payment_terms_days"] = customer.payment_terms_days
    assigned = None
    if owner is None and not customer.owner.is_active and assigns_automatically(actor):
        # The customer's rep has left: an order entered for them goes by the assignment rule, if any.
        assigned = owner = assign_owner("sales.order", region=customer.region, actor=actor)
    order = Order(
        customer=customer,
        warehouse=warehouse,
        # The customer's rep is responsible unless someone else is named.
        owner=owner or customer.owner,
        created_by=actor,
        currency=settings.DEFAULT_CURRENCY,
        **fields,
    )
    order.custom_fields, custom_errors = custom.clean_custom_values(custom.fields_of("sales.order"), custom_fields)
    _validate_header(order, actor, custom_errors)
    order_lines = build_lines(lines)
    duplicate_of = _duplicates_of(customer, order_lines) if check_duplicates else []
    duplicate_reason = (duplicate_reason or "").strip()
    if duplicate_of and not duplicate_reason:
        raise ApplicationError(
            _(
                "%(customer)s placed an order with the same products and quantities in the last 24 hours "
                "(%(numbers)s). If this one is not a duplicate, say why."
            )
            % {"customer": customer.name, "numbers": ", ".join(duplicate_of)},
            ErrorCode.DUPLICATE_ORDER,
            {"duplicate_of": duplicate_of},
        )
    _apply_totals(order, order_lines)
    order.number = next_number("sales_order")
    order.save(force_insert=True)
    ensure_in_scope(Order.objects, order, actor)
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    data = {"customer": customer.pk, "total": order.total, "lines": len(order_lines)}
    if duplicate_of:
        data |= {"duplicate_of": duplicate_of, "duplicate_reason": duplicate_reason}
    events.record(actor, "order.created", order, data=data)
    if assigned is not None:
        events.record(actor, "order.assigned", order, data={"owner": assigned.pk, "by": "assignment_rule"})
    if submit:
        # Just written in this transaction, with its address and products in hand: no need to read it back.
        return _submit_locked(order, order_lines, actor)
    return order


@transaction.atomic
def order_update(*, order: Order, actor, version=None, lines=None, custom_fields=None, **fields) -> Order:
    """Edit a draft. Lines, when given, replace the order's lines; `custom_fields` changes the values it names."""
    require_perm(actor, "sales.change_order")
    order = lock_order(order, actor=actor)
    check_version(order, version)
    if not order.is_editable:
        raise ApplicationError(
            _("Only a draft can be edited; this order is %(status)s.") % {"status": order.get_status_display()},
            ErrorCode.NOT_EDITABLE,
            {"status": order.status},
        )
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"order_update got unexpected fields {sorted(unknown)}")
    if "payment_terms_days" in fields and fields["payment_terms_days"] is None:
        # Left blank: the customer's terms, as when the order was entered.
        customer_id = fields["customer"].pk if fields.get("customer") else order.customer_id
        fields["payment_terms_days"] = (
            Customer.objects.filter(pk=customer_id).values_list("payment_terms_days", flat=True).get()
        )
    before = events.snapshot(order, [*fields, "total"])
    for name, value in fields.items():
        setattr(order, name, value)
    custom_before, custom_errors = order.custom_fields, {}
    if custom_fields is not None:
        order.custom_fields, custom_errors = custom.clean_custom_values(
            custom.fields_of("sales.order"), custom_fields, current=custom_before
        )
    _validate_header(order, actor, custom_errors)
    new_lines = build_lines(lines) if lines is not None else list(order.lines.all())
    _apply_totals(order, new_lines)
    if lines is not None:
        order.lines.all().delete()
        for line in new_lines:
            line.order = order
        OrderLine.objects.bulk_create(new_lines)
    changes = events.diff(before, events.snapshot(order, [*fields, "total"]))
    changes.update(custom.changes(custom_before, order.custom_fields))
    order.version += 1
    order.save()
    ensure_in_scope(Order.objects, order, actor)
    data = {"lines": len(new_lines)} if lines is not None else {}
    events.record(actor, "order.updated", order, changes=changes, data=data)
    return order


# --- the lifecycle ---------------------------------------------------------------------------


def _check_complete(order: Order, lines) -> None:
    errors = {}
    if not order.customer_id:
        errors["customer"] = [_("Choose a customer.")]
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    if not order.shipping_address_id:
        errors["shipping_address"] = [_("Choose a shipping address before submitting.")]
    if not order.contact_id:
        errors["contact"] = [_("Choose a contact before submitting.")]
    if errors:
        raise ValidationError(errors)


def _confirm(order: Order, lines, actor, data=None, extra_fields=()) -> None:
    stock_reserve_lines(warehouse=order.warehouse, lines=lines, actor=actor)
    for line in lines:
        line.unit_cost = line.product.cost
    save_all(lines, ["reserved_quantity", "unit_cost"])
    order.confirmed_at = timezone.now()
    ORDER_STATES.move(
        order,
        OrderStatus.CONFIRMED,
        actor=actor,
        verb="order.confirmed",
        data=data,
        extra_fields=["confirmed_at", *extra_fields],
    )


@events.batched
def order_submit(*, order: Order, actor) -> Order:
    return _submit(order, actor)


def _submit(order: Order, actor) -> Order:
    # Prices are checked against the products, and the address is copied onto the order.
    order, lines = lock_order_with_lines(order, actor=actor, related=["shipping_address"], line_related=["product"])
    return _submit_locked(order, lines, actor)


def _submit_locked(order: Order, lines, actor) -> Order:
    """Submit an order the caller has locked (or just created), with its lines and their products."""
    _check_action(order, "submit", actor)
    _check_complete(order, lines)
    # Refused now rather than after the approvers' time: the last approval checks again.
    credit_check(order, actor=actor, stage=CreditStage.CONFIRMATION)
    order.shipping_address_text = str(order.shipping_address)
    order.submitted_at = timezone.now()
    facts = ApprovalFacts(record=order, lines=lines, submitter=actor, total=order.total)
    approval = approval_open(record=order, plan=approval_plan(ApprovalSubject.ORDER, facts), actor=actor)
    if approval is not None:
        ORDER_STATES.move(
            order,
            OrderStatus.PENDING_APPROVAL,
            actor=actor,
            verb="order.submitted",
            data={"approval_reasons": approval.reasons, "approval_levels": len(approval.levels)},
            extra_fields=["shipping_address_text", "submitted_at"],
        )
    else:
        events.record(actor, "order.submitted", order, data={"approval_reasons": []})
        _confirm(order, lines, actor, extra_fields=["shipping_address_text", "submitted_at"])
    return order


def _pending_approval(order: Order) -> ApprovalRequest:
    return ApprovalRequest.objects.of_order(order).get(status=ApprovalRequest.Status.PENDING)


@events.batched
def order_approve(*, order: Order, actor, comment: str = "") -> Order:
    order, lines = lock_order_with_lines(order, actor=actor, line_related=["product"])
    _check_action(order, "approve", actor)
    request = _pending_approval(order)
    level = request.level
    if not approval_decide(request=request, actor=actor, approve=True, comment=comment):
        # A level of several, or one approver of "all of them": the order waits for the rest.
        events.record(
            actor,
            "order.approval_advanced",
            order,
            data={"comment": comment, "level": level, "levels": len(request.levels)},
        )
        return order
    credit_check(order, actor=actor, stage=CreditStage.CONFIRMATION)
    events.record(actor, "order.approved", order, data={"comment": comment, "level": level})
    _confirm(order, lines, actor, data={"approved_by": actor.pk})
    return order


@transaction.atomic
def order_reject(*, order: Order, actor, comment: str) -> Order:
    order = lock_order(order, actor=actor)
    _check_action(order, "reject", actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the order is rejected.")]})
    approval_decide(request=_pending_approval(order), actor=actor, approve=False, comment=comment)
    ORDER_STATES.move(order, OrderStatus.DRAFT, actor=actor, verb="order.rejected", data={"comment": comment})
    return order


def _require_reason(reason: str) -> str:
    return required_text(reason, field="reason", missing=_("Give a reason."))


@events.batched
def order_cancel(*, order: Order, actor, reason: str) -> Order:
    """Cancel the order and release its stock; its pending shipments go with it (fulfillment, on "order.cancelled")."""
    order, lines = lock_order_with_lines(order, actor=actor)
    _check_action(order, "cancel", actor)
    reason = _require_reason(reason)
    if any(line.shipped_quantity > 0 for line in lines):
        raise ApplicationError(
            _("Goods of this order have already shipped; it cannot be cancelled."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": order.status},
        )
    stock_release_lines(warehouse=order.warehouse, lines=lines, actor=actor)
    OrderLine.objects.bulk_update(lines, ["reserved_quantity"])
    now = timezone.now()
    # Its approval, and those of changes under way: nothing is left waiting on a cancelled order.
    order.approvals.filter(status=ApprovalRequest.Status.PENDING).update(
        status=ApprovalRequest.Status.REJECTED, decided_by=actor, decided_at=now, comment=reason
    )
    order.change_requests.filter(status__in=OPEN_CHANGE_STATUSES).update(
        status=ChangeStatus.CANCELLED, decided_at=now, comment=reason
    )
    order.credit_overrides.filter(status=CreditOverrideStatus.PENDING).update(
        status=CreditOverrideStatus.CANCELLED, decided_at=now, comment=reason
    )
    order.cancel_reason = reason
    ORDER_STATES.move(
        order,
        OrderStatus.CANCELLED,
        actor=actor,
        verb="order.cancelled",
        data={"reason": reason},
        extra_fields=["cancel_reason"],
    )
    return order


@transaction.atomic
def order_hold(*, order: Order, actor, reason: str) -> Order:
    order = lock_order(order, actor=actor)
    _check_action(order, "hold", actor)
    order.hold_reason = _require_reason(reason)
    order.status_before_hold = order.status
    ORDER_STATES.move(
        order,
        OrderStatus.ON_HOLD,
        actor=actor,
        verb="order.held",
        data={"reason": order.hold_reason},
        extra_fields=["hold_reason", "status_before_hold"],
    )
    return order


@transaction.atomic
def order_resume(*, order: Order, actor) -> Order:
    order = lock_order(order, actor=actor)
    _check_action(order, "resume", actor)
    target = order.status_before_hold or OrderStatus.CONFIRMED
    order.hold_reason = ""
    order.status_before_hold = ""
    ORDER_STATES.move(
        order, target, actor=actor, verb="order.resumed", extra_fields=["hold_reason", "status_before_hold"]
    )
    return order


# --- the owner --------------------------------------------------------------------------------

ASSIGN_REASON_MAX_LENGTH = 200


def check_new_owner(owner) -> None:
    """Refuses, on the field `owner`, anyone who cannot own orders: not a person who sells, or gone."""
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": [_("Choose someone who still works here.")]})
    if owner.role not in SELLING_ROLES:
        raise ValidationError({"owner": [_("%(person)s does not sell, so cannot own orders.") % {"person": owner}]})


def check_assign_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > ASSIGN_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": ASSIGN_REASON_MAX_LENGTH}]}
        )
    return reason


@transaction.atomic
def order_assign(*, order: Order, actor, owner, reason: str = "") -> Order:
    """Hands the order to another owner, who follows it from now on (their list, their reminders).

    Its invoices, payments' allocations and shipments follow it in the same transaction (finance's and
    fulfillment's reactions to the event). A closed or cancelled order keeps whoever sold it. The actor
    must see the order before and after: nobody hands an order out of their own sight.
    """
    require_perm(actor, "sales.assign_order")
    check_new_owner(owner)
    reason = check_assign_reason(reason)
    order = lock_order(order, actor=actor)
    if order.status not in OPEN_STATUSES:
        raise ApplicationError(
            _("This order is %(status)s: it keeps its owner.") % {"status": order.get_status_display()},
            ErrorCode.NOT_EDITABLE,
            {"status": order.status},
        )
    if order.owner_id == owner.pk:
        raise ApplicationError(
            _("%(person)s already owns this order.") % {"person": owner}, ErrorCode.NO_CHANGE, {"owner": owner.pk}
        )
    previous = order.owner_id
    order.owner = owner
    order.version += 1
    order.save(update_fields=["owner", "version", "updated_at"])
    ensure_in_scope(Order.objects, order, actor)
    events.record(
        actor,
        "order.assigned",
        order,
        changes={"owner": [previous, owner.pk]},
        data={"owner": owner.pk, "by": "hand", "reason": reason},
    )
    return order


# The order's figures its derived statuses come from, saved together with them.
DERIVED_FIELDS = [
    "delivery_status",
    "billing_status",
    "payment_status",
    "amount_invoiced",
    "amount_paid",
    "amount_credited",
]


def derive_statuses(order: Order, lines) -> None:
    """Set the order's delivery, billing and payment statuses from its lines and amounts (not saved)."""
    order.delivery_status = delivery_status_of(
        (ln.quantity, ln.shipped_quantity, ln.delivered_quantity) for ln in lines
    )
    order.billing_status = billing_status_of((ln.quantity, ln.invoiced_quantity) for ln in lines)
    # Settled by money or by credit notes alike.
    order.payment_status = payment_status_of(
        order.billing_status, order.amount_invoiced, order.amount_paid + order.amount_credited
    )


def order_refresh_progress(*, order: Order, actor, lines=None) -> Order:
    """Recompute the derived statuses from the lines and move the order along the road.

    Called by the shipping and finance services, inside their transaction, after the order
    was locked with lock_order. `lines`: all the order's lines as the caller has just saved
    them, which spares reading them again.
    """
    lines = list(order.lines.all()) if lines is None else lines
    was_paid = order.payment_status
    derive_statuses(order, lines)
    if order.payment_status == PaymentStatus.PAID != was_paid:
        # The step people wait for ("paid in full") is the order's, whichever invoice settled it.
        events.record(
            actor,
            "order.paid",
            order,
            changes={"payment_status": [was_paid, order.payment_status]},
            data={"amount_paid": order.amount_paid},
        )
    # Saved with the first status move, if there is one: one UPDATE instead of two.
    unsaved = list(DERIVED_FIELDS)
    for status, verb in road_of(order.status, order.delivery_status, order.payment_status):
        closing = ["closed_at"] if status == OrderStatus.CLOSED else []
        if closing:
            order.closed_at = timezone.now()
        ORDER_STATES.move(order, status, actor=actor, verb=verb, extra_fields=[*closing, *unsaved])
        unsaved = []
    if unsaved:
        order.save(update_fields=[*unsaved, "updated_at"])
    return order


def order_move(*, order: Order, actor, stage: str, comment: str = "", reason: str = "") -> Order:
    """Move an order to another stage of the board: the transition table's action for that move, or refused.

    Shipped and delivered follow the order's shipments; any other move no action makes is refused
    with nothing changed.
    """
    origin = board_column_of(order)
    action = BOARD_MOVES.get((origin, stage))
    if action is None:
        if stage in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            message = _("Orders move to shipped and delivered with their shipments.")
        else:
            message = _("An order cannot move from %(origin)s to %(target)s.") % {
                "origin": OrderStatus(origin).label,
                "target": OrderStatus(stage).label if stage in OrderStatus.values else stage,
            }
        raise ApplicationError(message, ErrorCode.TRANSITION_NOT_ALLOWED, {"from": origin, "to": stage})
    if action == "submit":
        return order_submit(order=order, actor=actor)
    if action == "approve":
        return order_approve(order=order, actor=actor, comment=comment)
    if action == "reject":
        return order_reject(order=order, actor=actor, comment=comment)
    if action == "hold":
        return order_hold(order=order, actor=actor, reason=reason)
    return order_resume(order=order, actor=actor)

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.scoping import ScopedQuerySet
from gendan.core.models import TimeStampedModel, VersionedModel
from gendan.core.states import StateMachine

# The longest payment terms an order may carry, in days.
PAYMENT_TERMS_MAX_DAYS = 365


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being entered; editable
    PENDING_APPROVAL = "pending_approval", _("Pending approval")  # a price or discount needs a manager
    CONFIRMED = "confirmed", _("Confirmed")  # stock reserved, waiting to ship
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")  # some quantities left the warehouse
    SHIPPED = "shipped", _("Shipped")  # everything left the warehouse
    DELIVERED = "delivered", _("Delivered")  # everything signed for
    CLOSED = "closed", _("Closed")  # delivered and paid: nothing left to follow
    CANCELLED = "cancelled", _("Cancelled")  # stopped before shipping; reservations released
    ON_HOLD = "on_hold", _("On hold")  # paused by someone, with a reason; nothing ships


class DeliveryStatus(models.TextChoices):
    NOT_SHIPPED = "not_shipped", _("Not shipped")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")


class BillingStatus(models.TextChoices):
    NOT_INVOICED = "not_invoiced", _("Not invoiced")
    PARTIALLY_INVOICED = "partially_invoiced", _("Partially invoiced")
    INVOICED = "invoiced", _("Invoiced")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


S = OrderStatus
# Which status may follow which: one table, one guard (core.states).
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING_APPROVAL, S.CONFIRMED, S.CANCELLED},
    S.PENDING_APPROVAL: {S.CONFIRMED, S.DRAFT, S.CANCELLED},
    S.CONFIRMED: {S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED},
    S.PARTIALLY_SHIPPED: {S.SHIPPED, S.ON_HOLD},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.CLOSED},
    S.ON_HOLD: {S.CONFIRMED, S.PARTIALLY_SHIPPED, S.CANCELLED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}
ORDER_STATES = StateMachine(TRANSITIONS, refused=_("An order that is %(current)s cannot become %(new)s."))

# The actions a person can take on an order: the statuses it starts from and the permission it needs.
ACTIONS: dict[str, tuple[set[str], str]] = {
    "submit": ({S.DRAFT}, "sales.submit_order"),
    "approve": ({S.PENDING_APPROVAL}, "sales.approve_order"),
    "reject": ({S.PENDING_APPROVAL}, "sales.approve_order"),
    "hold": ({S.CONFIRMED, S.PARTIALLY_SHIPPED}, "sales.hold_order"),
    "resume": ({S.ON_HOLD}, "sales.hold_order"),
    "cancel": ({S.DRAFT, S.PENDING_APPROVAL, S.CONFIRMED, S.ON_HOLD}, "sales.cancel_order"),
}
# The actions that decide an approval: allowed by a place among the approvers, not by the permission alone.
DECISIONS = ("approve", "reject")

OPEN_STATUSES = {S.DRAFT, S.PENDING_APPROVAL, S.CONFIRMED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.ON_HOLD}
# Statuses in which goods may leave the warehouse.
SHIPPABLE_STATUSES = {S.CONFIRMED, S.PARTIALLY_SHIPPED}
# The main road, for the progress bar.
STAGES = [S.DRAFT, S.PENDING_APPROVAL, S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.CLOSED]
# Something shipped and not everything invoiced, as far as the order's own statuses tell: the condition of
# order_to_invoice_idx, which a query reads only when it states this condition as it is. Said with "not equal"
# rather than "in": SQLite matches a query's parameter against the index's value in a comparison, never in a list.
AWAITING_INVOICE = ~models.Q(billing_status=BillingStatus.INVOICED) & ~models.Q(
    delivery_status=DeliveryStatus.NOT_SHIPPED
)


# The order board's columns, along the main road: partly shipped orders wait with the confirmed ones.
BOARD_COLUMNS: list[tuple[str, list[str]]] = [
    (S.DRAFT, [S.DRAFT]),
    (S.PENDING_APPROVAL, [S.PENDING_APPROVAL]),
    (S.CONFIRMED, [S.CONFIRMED, S.PARTIALLY_SHIPPED]),
    (S.ON_HOLD, [S.ON_HOLD]),
    (S.SHIPPED, [S.SHIPPED]),
    (S.DELIVERED, [S.DELIVERED]),
]
# The action a card dragged from one column to another takes (the transition table's); any other move is refused.
BOARD_MOVES: dict[tuple[str, str], str] = {
    (S.DRAFT, S.PENDING_APPROVAL): "submit",
    (S.DRAFT, S.CONFIRMED): "submit",
    (S.PENDING_APPROVAL, S.CONFIRMED): "approve",
    (S.PENDING_APPROVAL, S.DRAFT): "reject",
    (S.CONFIRMED, S.ON_HOLD): "hold",
    (S.ON_HOLD, S.CONFIRMED): "resume",
}


def board_column_of(order) -> str:
    return next(stage for stage, statuses in BOARD_COLUMNS if order.status in statuses)


class OrderQuerySet(ScopedQuerySet):
    owner_path = "owner"

    def with_approval_for(self, user):
        """Each order with `approval_decidable`: whether `user` may decide its pending approval now.

        True when a step of the current level waits for them, or for someone they stand in for today,
        and they did not submit it. A subquery in the same SELECT, so a list can offer "approve" on
        every row without a query per row.
        """
        return self.annotate(
            approval_decidable=decidable_by(
                user,
                request__order=models.OuterRef("pk"),
                **{f"request__{name}": value for name, value in ORDER_ITSELF.items()},
            )
        )


def decidable_by(user, **request):
    """EXISTS a step of the current level of a pending request (`request` picks it) waiting for `user`, or for
    someone they stand in for today, of a request they did not submit."""
    stands_in_for = ApprovalDelegation.objects.stood_in_for_by(user)
    waiting = (
        ApprovalStep.objects.filter(
            **request, request__status=ApprovalRequest.Status.PENDING, level=models.F("request__level"), decision=""
        )
        .filter(models.Q(approver=user.pk) | models.Q(approver__in=stands_in_for))
        .exclude(request__requested_by=user.pk)
    )
    return models.Exists(waiting)


class Order(VersionedModel):
    number = models.CharField(_("number"), max_length=32, unique=True)
    # No index of its own: order_customer_idx starts with it (one B-tree less per write).
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipping_address = models.ForeignKey(
        "crm.Address",
        verbose_name=_("shipping address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Frozen at submission, so later edits of the customer's address book don't rewrite history.
    shipping_address_text = models.CharField(_("ship to"), max_length=400, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="orders"
    )
    # No index of its own: order_owner_status_idx starts with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    delivery_status = models.CharField(
        _("delivery"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.NOT_SHIPPED
    )
    billing_status = models.CharField(
        _("billing"), max_length=20, choices=BillingStatus.choices, default=BillingStatus.NOT_INVOICED
    )
    payment_status = models.CharField(
        _("payment"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    requested_date = models.DateField(_("requested date"), null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    customer_reference = models.CharField(_("customer PO"), max_length=64, blank=True)
    # Days from an invoice's issue to its due date: the customer's terms unless agreed otherwise for this order.
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(PAYMENT_TERMS_MAX_DAYS)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2, default=0)
    tax_amount = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    amount_invoiced = models.DecimalField(_("invoiced"), max_digits=14, decimal_places=2, default=0)
    amount_paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    # What issued credit notes took off its invoices (finance.services_credit_notes).
    amount_credited = models.DecimalField(_("credited"), max_digits=14, decimal_places=2, default=0)
    notes = models.TextField(_("notes"), blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=200, blank=True)
    # Where `resume` returns to.
    status_before_hold = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The order's revision as the customer and the warehouse know it: 1 as confirmed, one more for each change
    # applied (ChangeRequest). A change drafted on an older revision is stale.
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)

    # Values of the custom fields an administrator added (core.custom_fields), keyed by field key.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("submit_order", _("Can submit orders")),
            ("approve_order", _("Can approve or reject orders")),
            ("cancel_order", _("Can cancel orders")),
            ("hold_order", _("Can put orders on hold and resume them")),
            ("assign_order", _("Can reassign orders to another owner")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    subtotal__gte=0, tax_amount__gte=0, total__gte=0, amount_paid__gte=0, amount_credited__gte=0
                ),
                name="order_amounts_not_negative",
            ),
        ]
        indexes = [
            # The orders confirmed in a period: the sales and orders metrics read from their records, and the
            # days of them that their daily figures recount (analytics.metrics.rollups) — without it each was a
            # walk of every order. Its owner, customer and status make it cover the buying customers (distinct
            # customers of the orders confirmed in a period, not cancelled, in the reader's scope) from the index
            # alone: a distinct count cannot be rolled up by day, and from the table a year's took 587 ms at a
            # million orders on PostgreSQL.
            models.Index(fields=["confirmed_at", "owner", "customer", "status"], name="order_confirmed_idx"),
            # A rep's open orders, newest first.
            models.Index(fields=["owner", "status", "created_at"], name="order_owner_status_idx"),
            # A customer's orders, and a rep's orders of one customer (the customer page): with the owner
            # second, SQLite (which has no statistics: Django never runs ANALYZE) takes this index over the
            # rep's (order_owner_created_idx, twenty thousand orders at a million) for owner = me AND
            # customer = this one.
            models.Index(fields=["customer", "owner", "created_at"], name="order_customer_idx"),
            # The order list filtered by status. Its last three columns make it cover the home page's
            # figures (open orders counted and their unpaid total summed), read from the index alone, the
            # owner for a team's or department's (a manager's 62,000 open orders at a million: 183 ms
            # from the table, from the index alone without it). The billing status last: the stages page counts
            # the orders waiting in each stage, delivered and not invoiced among them, from the index alone too.
            models.Index(
                fields=["status", "created_at", "payment_status", "total", "owner", "billing_status"],
                name="order_status_idx",
            ),
            # Every order list in its default order, newest first: the admin's /orders/ and /api/v1/orders/,
            # their deep pages by keyset (created_at, id) and the date filters (created_at >= the day's start).
            models.Index(fields=["created_at", "id"], name="order_created_idx"),
            # A rep's /orders/ and /api/v1/orders/ (owner = me), newest first, and their date filters.
            models.Index(fields=["owner", "created_at", "id"], name="order_owner_created_idx"),
            # A rep's search by number prefix (owner = me AND number >= 'SO2026' ...): one range, and its capped
            # count from the index alone; through order_owner_created_idx SQLite read every older order of the
            # rep's first. Also a rep's list sorted by number.
            models.Index(fields=["owner", "number"], name="order_owner_number_idx"),
            # The stalled review (automation.stalled): open orders counted per owner and status, late by
            # their promise or idle since their creation, from the index alone; each status's first few
            # by promise. The id is in every SQLite index already; PostgreSQL's index-only scan needs it included.
            models.Index(
                fields=["status", "promised_date", "created_at", "owner"], include=["id"], name="order_stalled_idx"
            ),
            # Finance's "to invoice" worklist, the oldest first: only the orders it may hold, in its order, so
            # that its first page and its capped count read a few rows, not every such order sorted (with the
            # statuses leading the index, 150 ms at a million orders on SQLite).
            models.Index(fields=["created_at", "id"], condition=AWAITING_INVOICE, name="order_to_invoice_idx"),
            # Each customer's open orders counted from the index alone (the customer list's "open orders",
            # sorted by it: a rep's 2,000 customers at a million orders).
            models.Index(fields=["customer", "status"], name="order_customer_status_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status == OrderStatus.DRAFT


class PricedLine(TimeStampedModel):
    """A product at a quantity and price, as on an order or a quotation (amount before tax)."""

    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True


class OrderLine(PricedLine):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    reserved_quantity = models.DecimalField(_("reserved"), max_digits=14, decimal_places=3, default=0)
    shipped_quantity = models.DecimalField(_("shipped"), max_digits=14, decimal_places=3, default=0)
    delivered_quantity = models.DecimalField(_("delivered"), max_digits=14, decimal_places=3, default=0)
    invoiced_quantity = models.DecimalField(_("invoiced"), max_digits=14, decimal_places=3, default=0)
    # The product's cost when the order was confirmed (or the change adding the line applied): the margin of a sale
    # is what it earned then, and stays the same when the product's cost moves. Empty until then.
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["position", "id"]
        constraints = [
            # Zero only for a line a change removed: it stays, with its stock ledger, as nothing to ship.
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="order_line_quantity_not_negative"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, discount_percent__gte=0, discount_percent__lte=100),
                name="order_line_price_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reserved_quantity__gte=0,
                    shipped_quantity__gte=0,
                    shipped_quantity__lte=models.F("quantity"),
                    delivered_quantity__gte=0,
                    delivered_quantity__lte=models.F("shipped_quantity"),
                    invoiced_quantity__gte=0,
                    invoiced_quantity__lte=models.F("shipped_quantity"),
                ),
                name="order_line_quantities_consistent",
            ),
            models.CheckConstraint(
                condition=models.Q(reserved_quantity__lte=models.F("quantity") - models.F("shipped_quantity")),
                name="order_line_reserved_within_open",
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.position} {self.product_id} × {self.quantity}"

    @property
    def open_quantity(self):
        """Ordered and not yet shipped."""
        return self.quantity - self.shipped_quantity

    @property
    def is_removed(self) -> bool:
        """Taken off the order by a change (kept for its stock ledger)."""
        return self.quantity == 0


# --- changes to a confirmed order (变更单) ---------------------------------------------------------


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("change request", "Draft")  # being written; its impact shown, nothing changed
    PENDING_APPROVAL = "pending_approval", pgettext_lazy("change request", "Pending approval")
    APPLIED = "applied", pgettext_lazy("change request", "Applied")  # the order is the new revision
    REJECTED = "rejected", pgettext_lazy("change request", "Rejected")  # an approver said no; nothing changed
    # Another change was applied first: drafted on an older revision, it can be rebased onto the new one.
    STALE = "stale", pgettext_lazy("change request", "Stale")
    CANCELLED = "cancelled", pgettext_lazy("change request", "Cancelled")


# Orders a change can be requested on: taken, not yet all shipped, not stopped.
CHANGEABLE_STATUSES = {S.CONFIRMED, S.PARTIALLY_SHIPPED, S.ON_HOLD}
# Changes still under way: at most one of them applies; the others go stale.
OPEN_CHANGE_STATUSES = {ChangeStatus.DRAFT, ChangeStatus.PENDING_APPROVAL}
# The header fields a change may set.
CHANGE_HEADER_FIELDS = ["promised_date", "requested_date"]


class ChangeRequestQuerySet(ScopedQuerySet):
    # Seen by whoever sees its order.
    owner_path = "order__owner"

    def with_decidable_for(self, user):
        """Each change with `approval_decidable`: whether `user` may decide its pending approval now (as
        Order.objects.with_approval_for)."""
        return self.annotate(approval_decidable=decidable_by(user, request__change_request=models.OuterRef("pk")))


class ChangeRequest(VersionedModel):
    """A change to a confirmed order: a draft of its next revision (header and lines), with a reason.

    `lines` is the whole new set of lines: [{"line": <order line id> or null for a new one, "product": id,
    "quantity": "…", "unit_price": "…", "discount_percent": "…"}]; an existing line left out is removed
    (down to what has shipped). `header` holds the header fields it changes ({"promised_date": "2026-12-20"}).
    `impact` is what applying it would do, as last worked out (sales.changes.change_impact).
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="change_requests")
    number = models.PositiveSmallIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    reason = models.CharField(_("reason"), max_length=400)
    # The order's revision it was drafted on; applied, it makes `base_revision + 1`.
    base_revision = models.PositiveSmallIntegerField(_("based on revision"))
    header = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    lines = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    impact = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The revision it made, once applied.
    revision = models.PositiveSmallIntegerField(_("revision"), null=True, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="change_request_unique_number"),
            # One change makes each revision: of two applied at once, the second fails here if not before.
            models.UniqueConstraint(
                fields=["order", "revision"],
                condition=models.Q(revision__isnull=False),
                name="change_request_one_per_revision",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.order.number}-C{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHANGE_STATUSES


class OrderRevision(models.Model):
    """An order as it stood at one revision: header and lines, written when a change is applied.

    Revision 1 (as confirmed) is written by the first change applied; an order never changed has no rows
    and is its own revision 1 (sales.changes.revisions_of). Lines: [{"line", "position", "product", "sku",
    "name", "quantity", "unit_price", "discount_percent", "amount", "shipped_quantity"}].
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("revision"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=400, blank=True)
    change_request = models.OneToOneField(
        ChangeRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="made_revision"
    )
    header = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    lines = models.JSONField(default=list, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("order revision")
        verbose_name_plural = _("order revisions")
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="order_revision_unique_number"),
        ]

    def __str__(self):
        return f"{self.order_id} R{self.number}"


class ApprovalSubject(models.TextChoices):
    """What an approval rule can apply to: one engine approves them all."""

    QUOTATION = "quotation", _("Quotation")
    ORDER = "order", _("Order")
    ORDER_CHANGE = "order_change", _("Order change")
    CONTRACT = "contract", _("Contract")
    CREDIT_OVERRIDE = "credit_override", _("Credit override")


class CreditOverrideStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn")


class CreditOverride(TimeStampedModel):
    """Leave to take an order past its customer's credit limit: asked for one order, decided through the
    approval rules, good for a number of days from its approval (sales.services_credit).

    The figures are those when it was asked for, so the approver and the record read what was decided on.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="credit_overrides")
    status = models.CharField(
        _("status"), max_length=10, choices=CreditOverrideStatus.choices, default=CreditOverrideStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=400)
    days = models.PositiveSmallIntegerField(_("days"), validators=[MinValueValidator(1)])
    credit_limit = models.DecimalField(_("credit limit"), max_digits=14, decimal_places=2)
    # The customer's exposure with this order, and this order's part of it (its total less what is paid).
    exposure = models.DecimalField(_("exposure"), max_digits=14, decimal_places=2)
    order_amount = models.DecimalField(_("order amount"), max_digits=14, decimal_places=2)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit override")
        verbose_name_plural = _("credit overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One asked at a time: a second request while one waits would split the approvers.
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="pending"), name="credit_override_one_pending"
            ),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="credit_override_days_positive"),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(valid_until__isnull=False),
                name="credit_override_approved_has_end",
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.status}"

    @property
    def is_in_force(self) -> bool:
        return self.status == CreditOverrideStatus.APPROVED and self.valid_until > timezone.now()

    @property
    def over_by(self) -> Decimal:
        return self.exposure - self.credit_limit


class ApprovalMode(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")


class ApprovalRule(VersionedModel):
    """When a record needs approval and who decides it, level by level: set by an administrator, without code.

    `conditions`: [{"type": "total_above", "amount": "100000"}, ...], the types of sales.approval_rules.
    `levels`: [{"approvers": ["role:sales_manager", "user:7", "leader", "approvers"], "mode": "any"}, ...].
    A submission that meets the conditions of several rules passes the levels of each, in `position` order.
    """

    class Match(models.TextChoices):
        ANY = "any", _("Any condition holds")
        ALL = "all", _("All conditions hold")

    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(
        _("applies to"), max_length=16, choices=ApprovalSubject.choices, default=ApprovalSubject.ORDER
    )
    conditions = models.JSONField(_("conditions"), default=list, encoder=DjangoJSONEncoder)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ANY)
    levels = models.JSONField(_("levels"), default=list)
    active = models.BooleanField(_("active"), default=True)
    # Instead of asking for approval, refuse what the conditions catch (a change inside the freeze).
    refuses = models.BooleanField(_("refuse instead"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The shipped default rule set (the floor price and discount check), kept by key across upgrades.
    system_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["applies_to", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["applies_to", "name"], name="approval_rule_unique_name"),
            models.UniqueConstraint(
                fields=["system_key"], condition=~models.Q(system_key=""), name="approval_rule_unique_system_key"
            ),
        ]

    def __str__(self):
        return self.name


class ApprovalDelegationQuerySet(models.QuerySet):
    def stood_in_for_by(self, user):
        """The people `user` stands in for today, as a subquery of their ids."""
        today = timezone.localdate()
        return self.filter(delegate=user.pk, starts_on__lte=today, ends_on__gte=today).values("delegator")


class ApprovalDelegation(TimeStampedModel):
    """While away, an approver's decisions go to a delegate too: from one date to another, both included."""

    objects = ApprovalDelegationQuerySet.as_manager()

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("away"), on_delete=models.CASCADE, related_name="approval_delegations"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    class Meta:
        verbose_name = _("approval delegation")
        verbose_name_plural = _("approval delegations")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="approval_delegation_dates_in_order"
            ),
            models.CheckConstraint(
                condition=~models.Q(delegate=models.F("delegator")), name="approval_delegation_not_to_self"
            ),
        ]
        indexes = [
            # "Whose approvals may I decide today": the delegate's current delegations.
            models.Index(fields=["delegate", "ends_on"], name="approval_delegation_delegate"),
        ]

    def __str__(self):
        return f"{self.delegator_id} → {self.delegate_id} {self.starts_on}–{self.ends_on}"


# The approval of an order itself: not of a change to it, nor of leave to pass its customer's credit limit.
ORDER_ITSELF = {"change_request": None, "credit_override": None}


class ApprovalRequestQuerySet(models.QuerySet):
    def of_order(self, order):
        """The requests approving `order` itself (an order, its id or an OuterRef)."""
        return self.filter(order=order, **ORDER_ITSELF)


class ApprovalRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # What is approved: an order (or, with change_request, a change to it), a quotation or a contract; one of
    # them (approval_one_subject).
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals")
    change_request = models.ForeignKey(
        ChangeRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    quotation = models.ForeignKey(
        "Quotation", null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    contract = models.ForeignKey(
        "crm.Contract", null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    # Leave for the order (set with `order`) to go past its customer's credit limit.
    credit_override = models.ForeignKey(
        CreditOverride, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    # [{"code": "below_floor", "line": 1, "product": "SKU", ...}] — why approval is needed.
    reasons = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    # The levels as the rules set them at submission ([{"rule", "approvers", "mode"}]); later edits of a
    # rule leave a request already under way as it was. `level` is the one deciding now, from 1.
    levels = models.JSONField(default=list)
    level = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    @property
    def subject(self) -> str:
        """What is approved: an order, a change to one, a quotation or a contract."""
        if self.quotation_id:
            return ApprovalSubject.QUOTATION
        if self.contract_id:
            return ApprovalSubject.CONTRACT
        if self.credit_override_id:
            return ApprovalSubject.CREDIT_OVERRIDE
        return ApprovalSubject.ORDER_CHANGE if self.change_request_id else ApprovalSubject.ORDER

    @property
    def record(self):
        """The record approved (for a change, its order): whose scope, owner and number the request shows."""
        return self.quotation or self.contract or self.order

    @property
    def url(self) -> str:
        """The page the approver decides on."""
        if self.change_request_id:
            return reverse("sales:change_detail", args=[self.change_request_id])
        if self.quotation_id:
            return reverse("quotations:detail", args=[self.quotation_id])
        if self.contract_id:
            return reverse("crm:contract_detail", args=[self.contract_id])
        if self.credit_override_id:
            return reverse("sales:order_detail", args=[self.order_id]) + "#credit"
        return reverse("sales:order_detail", args=[self.order_id])

    @property
    def total(self):
        """The amount at stake: the order's or quotation's total, the contract's amount; for a credit override,
        what the customer would owe."""
        if self.credit_override_id:
            return self.credit_override.exposure
        return self.contract.amount if self.contract_id else self.record.total

    @property
    def number(self) -> str:
        """What the approver reads: SO2026…, SO2026…-C1, QT2026…-V2, HT2026…"""
        if self.change_request_id:
            return f"{self.order.number}-C{self.change_request.number}"
        if self.quotation_id:
            return self.quotation.label
        return self.record.number

    def is_submitted_by(self, user) -> bool:
        """Nobody decides their own submission, whatever their role: another approver does."""
        return self.requested_by_id == user.pk

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="pending", change_request__isnull=True, credit_override__isnull=True),
                name="approval_one_pending_per_order",
            ),
            models.UniqueConstraint(
                fields=["credit_override"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_credit_override",
            ),
            models.UniqueConstraint(
                fields=["change_request"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_change",
            ),
            models.UniqueConstraint(
                fields=["quotation"], condition=models.Q(status="pending"), name="approval_one_pending_per_quotation"
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(status="pending"), name="approval_one_pending_per_contract"
            ),
            models.CheckConstraint(
                condition=(
                    (
                        models.Q(order__isnull=False, quotation__isnull=True, contract__isnull=True)
                        & (models.Q(change_request__isnull=True) | models.Q(credit_override__isnull=True))
                    )
                    | models.Q(
                        order__isnull=True,
                        change_request__isnull=True,
                        credit_override__isnull=True,
                        quotation__isnull=False,
                        contract__isnull=True,
                    )
                    | models.Q(
                        order__isnull=True,
                        change_request__isnull=True,
                        credit_override__isnull=True,
                        quotation__isnull=True,
                        contract__isnull=False,
                    )
                ),
                name="approval_one_subject",
            ),
        ]


class ApprovalStep(models.Model):
    """One approver's say at one level of a request: who may decide, and what they (or their delegate) decided."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    level = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    # The approver, or whoever decided in their place while they were away.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["level", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "level", "approver"], name="approval_step_unique_approver"),
        ]
        indexes = [
            # The approval inbox: the steps waiting for this person.
            models.Index(fields=["approver", "decision", "request"], name="approval_step_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.request_id}/{self.level} {self.approver_id} {self.decision or '-'}"


# --- quotations (报价单) -------------------------------------------------------------------------


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being prepared; editable
    # An approval rule caught it on its way to the customer (a price below floor, a big total): not sent yet.
    PENDING_APPROVAL = "pending_approval", pgettext_lazy("quotation status", "Pending approval")
    APPROVED = "approved", pgettext_lazy("quotation status", "Approved, ready to send")
    SENT = "sent", pgettext_lazy("quotation status", "Sent")  # with the customer, waiting for an answer
    ACCEPTED = "accepted", pgettext_lazy("quotation status", "Accepted")  # the customer said yes: now an order
    REJECTED = "rejected", pgettext_lazy("quotation status", "Rejected")  # the customer said no, with a reason
    EXPIRED = "expired", pgettext_lazy("quotation status", "Expired")  # its validity ran out unanswered
    SUPERSEDED = "superseded", pgettext_lazy("quotation status", "Superseded")  # a newer version replaced it


Q_ = QuotationStatus
# Which status may follow which: one table, one guard (core.states).
QUOTATION_TRANSITIONS: dict[str, set[str]] = {
    Q_.DRAFT: {Q_.SENT, Q_.PENDING_APPROVAL},
    Q_.PENDING_APPROVAL: {Q_.APPROVED, Q_.DRAFT},
    Q_.APPROVED: {Q_.SENT},
    Q_.SENT: {Q_.ACCEPTED, Q_.REJECTED, Q_.EXPIRED, Q_.SUPERSEDED},
    Q_.REJECTED: {Q_.SUPERSEDED},
    Q_.EXPIRED: {Q_.SUPERSEDED},
    Q_.ACCEPTED: set(),
    Q_.SUPERSEDED: set(),
}
QUOTATION_STATES = StateMachine(
    QUOTATION_TRANSITIONS, refused=_("A quotation that is %(current)s cannot become %(new)s.")
)

# The actions a person can take on a quotation: the statuses it starts from and the permissions it needs.
QUOTATION_ACTIONS: dict[str, tuple[set[str], tuple[str, ...]]] = {
    # From a draft the approval rules are asked first; an approved one goes straight out.
    "send": ({Q_.DRAFT, Q_.APPROVED}, ("sales.send_quotation",)),
    # A new version, a draft again; the one revised stays as it was, read-only.
    "revise": ({Q_.SENT, Q_.REJECTED, Q_.EXPIRED}, ("sales.change_quotation",)),
    # Accepting makes a draft order, so it needs the right to enter orders too.
    "accept": ({Q_.SENT}, ("sales.send_quotation", "sales.add_order")),
    "reject": ({Q_.SENT}, ("sales.send_quotation",)),
}

# Statuses still waiting on someone: the rep (draft) or the customer (sent).
QUOTATION_OPEN_STATUSES = {Q_.DRAFT, Q_.PENDING_APPROVAL, Q_.APPROVED, Q_.SENT}


class QuotationQuerySet(ScopedQuerySet):
    owner_path = "owner"

    def current(self):
        """The live version of each quotation number (every status but superseded)."""
        return self.exclude(status=QuotationStatus.SUPERSEDED)


class Quotation(VersionedModel):
    """A price offer to a customer, with a validity date. Revising one makes a new version with the same number.

    `version` (from VersionedModel) is the optimistic-locking counter of edits; `revision` is
    the quotation's version as the customer sees it (V1, V2, ...).
    """

    number = models.CharField(_("number"), max_length=32)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotations"
    )
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="quotations"
    )
    # The deal (商机) this quotation prices, if any: sending it counts for that deal (automation's
    # quote_not_sent_48h looks for quotation.sent on the deal, or on its customer).
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotations",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=QuotationStatus.choices, default=QuotationStatus.DRAFT
    )
    valid_until = models.DateField(_("valid until"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2, default=0)
    tax_amount = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    # Some line's net price is below its product's floor price: allowed on a quotation, flagged,
    # and checked again by the order's approval rules if the customer accepts.
    below_floor = models.BooleanField(_("below floor price"), default=False)
    terms = models.TextField(_("terms"), blank=True)  # printed on the quotation
    notes = models.TextField(_("internal notes"), blank=True)  # never printed
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    order = models.OneToOneField(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotation",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = QuotationQuerySet.as_manager()

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("send_quotation", _("Can send quotations and record the customer's answer")),
        ]
        constraints = [
            # Also the search by number prefix on SQLite; PostgreSQL's LIKE reads sales_quotation_number_like
            # (migration 0006, unknown to Django's state).
            models.UniqueConstraint(fields=["number", "revision"], name="quotation_number_revision_unique"),
            # One live version per number: revising retires the old one in the same transaction.
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(status="superseded"),
                name="quotation_one_current_version",
            ),
            models.CheckConstraint(
                condition=models.Q(subtotal__gte=0, tax_amount__gte=0, total__gte=0, revision__gte=1),
                name="quotation_amounts_not_negative",
            ),
        ]
        indexes = [
            # A rep's open quotations, newest first.
            models.Index(fields=["owner", "status", "created_at"], name="quotation_owner_status_idx"),
            # A customer's quotations (the panel on the customer page).
            models.Index(fields=["customer", "created_at"], name="quotation_customer_idx"),
            # The daily expiry scan: sent quotations by validity date.
            models.Index(fields=["status", "valid_until"], name="quotation_status_valid_idx"),
            # /quotations/ and /api/v1/quotations/ in their default order, newest first, as orders are
            # (order_created_idx): every quotation for an administrator, a rep's own for a rep.
            models.Index(fields=["created_at", "id"], name="quotation_created_idx"),
            models.Index(fields=["owner", "created_at", "id"], name="quotation_owner_created_idx"),
            # A rep's search by number prefix and sort by number, as for orders (order_owner_number_idx).
            models.Index(fields=["owner", "number"], name="quotation_owner_number_idx"),
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("quotations:detail", args=[self.pk])

    @property
    def label(self) -> str:
        """The number as printed: QT2025060001, then QT2025060001-V2 for the second version."""
        return self.number if self.revision == 1 else f"{self.number}-V{self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status == QuotationStatus.DRAFT


class QuotationLine(PricedLine):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    # The net price was below the product's floor price when the line was written.
    below_floor = models.BooleanField(_("below floor price"), default=False)

    class Meta:
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="quotation_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, discount_percent__gte=0, discount_percent__lte=100),
                name="quotation_line_price_valid",
            ),
        ]

    def __str__(self):
        return f"{self.quotation_id}/{self.position} {self.product_id} × {self.quantity}"

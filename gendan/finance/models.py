from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.scoping import ScopedQuerySet, TestedIn, owner_filter
from gendan.core.models import TimeStampedModel
from gendan.core.states import StateMachine
from gendan.crm.models import Customer, InvoiceKind


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # quantities claimed from the order; not yet sent to the customer
    ISSUED = "issued", _("Issued")  # sent; the customer owes it
    PAID = "paid", _("Paid")  # fully covered by payments (and credit notes)
    CANCELLED = "cancelled", _("Cancelled")


INVOICE_TRANSITIONS = {
    InvoiceStatus.DRAFT: {InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED},
    InvoiceStatus.ISSUED: {InvoiceStatus.PAID},
    InvoiceStatus.PAID: set(),
    InvoiceStatus.CANCELLED: set(),
}
INVOICE_STATES = StateMachine(INVOICE_TRANSITIONS, refused=_("An invoice that is %(current)s cannot become %(new)s."))


class InvoiceQuerySet(ScopedQuerySet):
    # The order's owner, kept on the invoice (Invoice.owner).
    owner_path = "owner"


class BilledDocument(TimeStampedModel):
    """What an invoice and a credit note share: a number, money with its tax, when it was issued, who made it, and
    its order's owner (kept here so that a rep's documents are one range of an index of their table)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Through the order, a rep's invoice list walked all of the rep's orders and sorted their invoices (17,000 at
    # a million orders) on every page. Set where the document is made, changed with the order's
    # (finance.reactions). No index of its own: the *_owner_* indexes start with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.number


class Invoice(BilledDocument):
    order = models.ForeignKey("sales.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices")
    # No index of its own: invoice_customer_status_idx starts with it.
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="invoices", db_index=False)
    status = models.CharField(_("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    amount_paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    # What issued credit notes took off it: the customer owes total − paid − credited.
    amount_credited = models.DecimalField(_("credited"), max_digits=14, decimal_places=2, default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # Chosen when it is made: each kind has its own number series (finance.services.INVOICE_NUMBER_SERIES).
    kind = models.CharField(_("invoice kind"), max_length=8, choices=InvoiceKind.choices, default=InvoiceKind.NORMAL)
    # The buyer as the customer's billing details were when it was issued (blank before): an issued invoice keeps
    # saying what was sent, whatever is edited on the customer afterwards.
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True, editable=False)
    buyer_tax_id = models.CharField(_("buyer's tax id"), max_length=32, blank=True, editable=False)
    buyer_address_phone = models.CharField(_("buyer's address and phone"), max_length=200, blank=True, editable=False)
    buyer_bank_account = models.CharField(_("buyer's bank and account"), max_length=200, blank=True, editable=False)
    # The number the tax control system printed on the fapiao (发票号码), entered by finance when known.
    fapiao_number = models.CharField(_("fapiao number"), max_length=20, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        permissions = [("issue_invoice", _("Can issue invoices"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount_paid__gte=0,
                    amount_credited__gte=0,
                    amount_paid__lte=models.F("total") - models.F("amount_credited"),
                ),
                name="invoice_never_overpaid",
            ),
            # Each kind is numbered by its own series in the tax control system: the same number may be a normal
            # and a special invoice's, never two of one kind's. Blank is "not entered yet".
            models.UniqueConstraint(
                fields=["kind", "fapiao_number"],
                condition=~models.Q(fapiao_number=""),
                name="invoice_fapiao_number_unique",
            ),
        ]
        indexes = [
            # A customer's open invoices, for allocating payments.
            models.Index(fields=["customer", "status"], name="invoice_customer_status_idx"),
            # A customer's statement (finance.statements): their invoices by the day issued, with the amount summed
            # for the opening balance, from the index alone.
            models.Index(fields=["customer", "issued_at", "total"], name="invoice_customer_issued_idx"),
            # The invoice lists in their default order, newest first (/finance/invoices/, /api/v1/invoices/,
            # their deep pages by keyset).
            models.Index(fields=["created_at", "id"], name="invoice_created_idx"),
            # The invoice list's "issued from / to" filter and its sort by the day issued.
            models.Index(fields=["issued_at", "id"], name="invoice_issued_idx"),
            # Issued invoices by due date: finance's "unpaid" worklist and the overdue ones of the stalled review,
            # which counts them per owner from the index alone (owner last).
            models.Index(fields=["status", "due_date", "owner"], name="invoice_status_due_idx"),
            # The open invoices alone, with what the ageing sums (receivables.ageing): per customer and per owner
            # (a rep's scope), in the key's order, never from the table. The status leads although the condition
            # fixes it: SQLite, without statistics, takes an index its equality starts over one it does not.
            models.Index(
                fields=["status", "customer", "due_date", "total", "amount_paid", "amount_credited"],
                condition=models.Q(status="issued"),
                name="invoice_open_customer_idx",
            ),
            models.Index(
                fields=["status", "owner", "customer", "due_date", "total", "amount_paid", "amount_credited"],
                condition=models.Q(status="issued"),
                name="invoice_open_owner_idx",
            ),
            # A rep's invoice list (visible_to: owner = the rep) in its default order, newest issued first
            # (/finance/invoices/), its capped count and its deep pages.
            models.Index(fields=["owner", "issued_at", "id"], name="invoice_owner_issued_idx"),
            # A rep's invoices in the API's default order, newest first (/api/v1/invoices/, its deep pages).
            models.Index(fields=["owner", "created_at", "id"], name="invoice_owner_created_idx"),
            # A rep's invoices by number (/finance/invoices/?sort=number, /api/v1/invoices/?ordering=number).
            models.Index(fields=["owner", "number"], name="invoice_owner_number_idx"),
        ]

    @property
    def open_amount(self):
        return self.total - self.amount_paid - self.amount_credited

    @property
    def buyer(self) -> dict[str, str]:
        """The buyer the invoice names, as Customer.invoice_buyer: as taken when it was issued, or, not issued, as the
        customer's details are now (what issuing it would take)."""
        if self.issued_at is None:
            return self.customer.invoice_buyer()
        return {
            "name": self.buyer_name,
            "tax_id": self.buyer_tax_id,
            "address_phone": self.buyer_address_phone,
            "bank_account": self.buyer_bank_account,
        }


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("sales.OrderLine", on_delete=models.PROTECT, related_name="invoice_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="invoice_line_quantity_positive"),
            models.UniqueConstraint(fields=["invoice", "order_line"], name="invoice_line_unique_order_line"),
        ]

    def __str__(self):
        return f"{self.invoice_id}: {self.order_line_id} × {self.quantity}"


class CreditNoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")  # sent; it takes its amount off the invoice


class CreditNoteQuerySet(ScopedQuerySet):
    # Its invoice's owner, kept here as on the invoice.
    owner_path = "owner"


class CreditNote(BilledDocument):
    """A credit note (红字发票 / 贷项通知单): an amount taken off an issued invoice, for lines of it (a quantity of
    each) or as one sum, with a reason. Issued, it lowers what is open on the invoice and what the customer owes;
    it is never edited after, only another credit note or a new invoice corrects it (finance.services_credit_notes).
    """

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    # The invoice's order and customer, kept for the order's timeline and the customer's statement.
    order = models.ForeignKey("sales.Order", on_delete=models.PROTECT, related_name="credit_notes")
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="credit_notes")
    status = models.CharField(
        _("status"), max_length=12, choices=CreditNoteStatus.choices, default=CreditNoteStatus.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=400)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gt=0, subtotal__gte=0, tax_amount__gte=0), name="credit_note_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "created_at", "id"], name="credit_note_owner_created_idx"),
            models.Index(fields=["customer", "status"], name="credit_note_customer_idx"),
        ]


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credit_note_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="credit_note_line_quantity_positive"),
            models.UniqueConstraint(
                fields=["credit_note", "invoice_line"], name="credit_note_line_unique_invoice_line"
            ),
        ]

    def __str__(self):
        return f"{self.credit_note_id}: {self.invoice_line_id} × {self.quantity}"


class PaymentQuerySet(ScopedQuerySet):
    owner_path = "customer__owner"

    def visible_to(self, user):
        """A payment is seen by whoever sees at least one invoice it pays; one paying none yet, with its customer.

        Money applied to invoices belongs to those invoices' orders, and so to whoever follows
        them, whoever owns the customer now. Money on account (not applied to any invoice) is
        the customer's: its owner is who asks the customer what it was for.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        # Allocations and customers both name their owner "owner": one condition serves both.
        scope = owner_filter(user, "owner")
        if scope is None:
            return self
        # Two sets of ids, each read once through its own index (the allocations' owner; the customers' and
        # their payments'), and each payment the list walks in its own order (payment_received_idx) looked up
        # in them: a rep's 28,000 payments of a million orders, fetched and sorted for each page, took 0.1 s
        # (SQLite) to 0.25 s (PostgreSQL). A payment is allocated to no invoice exactly when nothing of it is
        # allocated: allocations only add to allocated_amount, each a positive amount.
        allocated, on_account = self._in_sight(scope)
        seen = self.filter(
            models.Q(TestedIn(models.F("pk"), allocated.values("payment_id")))
            | models.Q(TestedIn(models.F("pk"), on_account.values("pk")))
        )
        if not self.query.where:
            # Nothing else narrows them: the sets alone hold the whole list (deep_page_keys). Kept on the query,
            # which every later filter, order and slice copies.
            seen.query.payments_in_sight = scope
        return seen

    def _in_sight(self, scope):
        """The allocations and the payments on account in `scope`: together, the payments it sees."""
        allocated = PaymentAllocation.objects.filter(scope).order_by()
        customers = Customer.objects.filter(scope).values("pk")
        on_account = self.model.objects.filter(customer__in=customers, allocated_amount=0).order_by()
        return allocated, on_account

    def _whole_list_scope(self):
        """The scope `visible_to` applied, while nothing else narrows the list; else None."""
        query = self.query
        scope = getattr(query, "payments_in_sight", None)
        if scope is None or len(query.where.children) != 1 or query.distinct or query.is_sliced:
            return None
        return scope

    def narrow_count(self, cap: int) -> int | None:
        """How many payments a scope's whole list has, no further than `cap` + 1, from the two sets alone, or None.

        Counting the list itself walks the company's payments by date until `cap` + 1 of them are in sight: a
        rep's list, asked whether it is small enough to sort by another column (LIST_SORT_CAP), read some
        350,000 of a million orders' payments (100 ms on SQLite).
        """
        scope = self._whole_list_scope()
        if scope is None:
            return None
        allocated, on_account = self._in_sight(scope)
        # UNION, not UNION ALL: a payment allocated to two invoices in sight is one row of the list.
        found = allocated.values_list("payment_id").union(on_account.values_list("pk"))
        return found[: cap + 1].count()

    def deep_page_keys(self, bottom: int, top: int) -> list[int] | None:
        """The keys of the rows from `bottom` to `top` of a scope's whole list in the lists' order, or None.

        Read from the two sets alone, each in that order on an index of the owner and the date (the allocations'
        allocation_owner_received_idx, the customers' payments on account): to skip 12,475 of a rep's payments
        at a million orders, the list itself walks some 400,000 of the company's by date (80 ms, against about
        20). None once anything else narrows the list (a search, a filter) or orders it otherwise.
        """
        scope = self._whole_list_scope()
        if scope is None:
            return None
        # The lists' order is Meta.ordering, left implicit or spelt out (the API names the key "pk").
        ordered = [{"pk": "id", "-pk": "-id"}.get(term, term) for term in self.query.order_by]
        if ordered != self.model._meta.ordering and (ordered or not self.query.default_ordering):
            return None
        allocated, on_account = self._in_sight(scope)
        # UNION, not UNION ALL: a payment allocated to two invoices in sight is one row of the list.
        found = allocated.values_list("received_on", "payment_id").union(on_account.values_list("received_on", "pk"))
        return [pk for _received_on, pk in found.order_by("-received_on", "-payment_id")[bottom:top]]


class PaymentAllocationQuerySet(ScopedQuerySet):
    """An allocation is seen with its invoice: a payment shows each person only the invoices they may see."""

    # The invoice's owner, kept on the allocation (PaymentAllocation.owner).
    owner_path = "owner"


class Payment(TimeStampedModel):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        CHEQUE = "cheque", _("Cheque")
        ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")

    number = models.CharField(_("number"), max_length=32, unique=True)
    # No index of its own: payment_customer_idx starts with it.
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.BANK_TRANSFER)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    allocated_amount = models.DecimalField(_("allocated"), max_digits=14, decimal_places=2, default=0)
    # What was paid back to the customer of what was never allocated (finance.services_refunds).
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=0)
    # Money paid ahead for one order (a deposit, 定金): counts for its instalments until its invoices use it.
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("for order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prepayments",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount__gt=0,
                    allocated_amount__gte=0,
                    refunded_amount__gte=0,
                    allocated_amount__lte=models.F("amount") - models.F("refunded_amount"),
                ),
                name="payment_never_over_allocated",
            ),
        ]
        indexes = [
            # A customer's payments, and among them those on account, allocated to no invoice yet
            # (allocated_amount 0), which Payment.visible_to shows with the customer.
            models.Index(fields=["customer", "allocated_amount"], name="payment_customer_idx"),
            # A customer's statement: their payments by the day received, with the amount.
            models.Index(fields=["customer", "received_on", "amount"], name="payment_customer_received_idx"),
            # The payment lists in their default order, latest received first (/finance/payments/,
            # /api/v1/payments/, their deep pages by keyset and the "received from / to" filter).
            models.Index(fields=["received_on", "id"], name="payment_received_idx"),
            # Finance's "to allocate" worklist: the few payments with money not yet put against invoices.
            models.Index(
                fields=["received_on", "id"],
                condition=models.Q(allocated_amount__lt=models.F("amount") - models.F("refunded_amount")),
                name="payment_unallocated_idx",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def unallocated_amount(self):
        """What is left of the payment to put against invoices or pay back."""
        return self.amount - self.allocated_amount - self.refunded_amount


class Refund(TimeStampedModel):
    """Money paid back to a customer from what a payment left unallocated (an overpayment, a prepayment no longer
    needed), with a reason; on the customer's statement as a debit."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    method = models.CharField(
        _("method"), max_length=16, choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER
    )
    refunded_on = models.DateField(_("refunded on"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=400)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-refunded_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive")]
        indexes = [models.Index(fields=["customer", "refunded_on"], name="refund_customer_idx")]

    def __str__(self):
        return self.number


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # The invoice's owner (so its order's), kept here so that the payments a rep sees are one range of an index
    # of this table: through the invoice, PostgreSQL hashed all 885,000 allocations of a million orders
    # against the rep's invoices for every page and count. Set where allocations are made (payment_record,
    # payment_allocate), changed with the order's (finance.reactions). No index of its own: allocation_owner_payment_idx starts with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
    )
    # The payment's date, with the owner: a rep's payments in the lists' order are then one range of
    # allocation_owner_received_idx, so a page far down is found without walking every payment of the company
    # (Payment.objects.deep_page_keys). Set where allocations are made; a payment's date never changes.
    received_on = models.DateField(_("received on"), editable=False)

    objects = PaymentAllocationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique_invoice"),
        ]
        indexes = [
            # The payments a rep sees (Payment.visible_to: the allocations whose owner is in the user's scope),
            # read from the index alone, and in the lists' order (latest received first) for a deep page's keys.
            models.Index(fields=["owner", "received_on", "payment"], name="allocation_owner_received_idx"),
            # Everyone's allocations of a day: the collected metric over a period for a whole company, and the days
            # its daily figures recount (analytics.metrics.rollups).
            models.Index(fields=["received_on"], name="allocation_received_idx"),
        ]

    def __str__(self):
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # made, not sent by e-mail yet; its link opens it already
    SENT = "sent", _("Sent")
    CONFIRMED = "confirmed", _("Confirmed")  # the customer agreed the balance: locked
    DISPUTED = "disputed", _("Disputed")  # the customer disputed lines: finance resolves, a new version follows


class StatementQuerySet(ScopedQuerySet):
    # Seen with its customer.
    owner_path = "customer__owner"


class Statement(TimeStampedModel):
    """A statement of account (对账单) of one customer for one period: the opening balance, every invoice, credit
    note, payment and refund dated in the period, and the closing balance (finance.statements).

    Its lines are written when it is made and never change: the customer confirms what they were shown. A
    resolved dispute makes the next version (same number, `version` + 1, `previous` the one disputed) from the
    documents as they are then; a confirmed statement is final, and a later correction is a document of its own.
    """

    number = models.CharField(_("number"), max_length=32)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version", editable=False
    )
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    debit_total = models.DecimalField(_("debits"), max_digits=14, decimal_places=2)
    credit_total = models.DecimalField(_("credits"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    # [{"index", "date", "kind", "document", "debit", "credit", "balance"}], amounts as strings of two decimals.
    lines = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Who answered for the customer, as they gave their name on the page (they have no account).
    answered_by = models.CharField(_("answered by"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-created_at", "-id"]
        permissions = [("send_statement", _("Can send statements and resolve their disputes"))]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="statement_unique_version"),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="statement_period_in_order"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "period_end"], name="statement_customer_idx"),
            models.Index(fields=["created_at", "id"], name="statement_created_idx"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.number if self.version == 1 else f"{self.number}-V{self.version}"

    @property
    def is_answerable(self) -> bool:
        """Whether the customer may still confirm or dispute it: not answered yet, and the latest version."""
        return self.status in (StatementStatus.DRAFT, StatementStatus.SENT) and not self.is_superseded

    @property
    def is_superseded(self) -> bool:
        """A dispute of it was resolved: its next version is the one to answer."""
        try:
            self.next_version  # noqa: B018 - reading the reverse one-to-one is the question
        except Statement.DoesNotExist:
            return False
        return True


class StatementDispute(models.Model):
    """A line of a statement the customer disputes, with their comment; resolved by finance with a new version."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="disputes")
    line_index = models.PositiveIntegerField(_("line"))
    comment = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["line_index", "id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_index"], name="statement_dispute_one_per_line")
        ]

    def __str__(self):
        return f"{self.statement_id}#{self.line_index}"


class InstalmentBasis(models.TextChoices):
    """What an instalment's days count from."""

    CONFIRMATION = "confirmation", pgettext_lazy("instalment counted from", "the order's confirmation")
    DELIVERY = "delivery", pgettext_lazy("instalment counted from", "delivery")
    INVOICE = "invoice", pgettext_lazy("instalment counted from", "the first invoice")


class InstalmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")


class InstalmentQuerySet(ScopedQuerySet):
    owner_path = "order__owner"


class Instalment(models.Model):
    """One part of an order's payment plan (分期付款): a share of the total, due some days after a step of the order.

    Its due date is set when that step happens; what is paid of it follows the money of its order, earliest
    instalment first (finance.instalments.instalments_settle). Both are stored so that rules can remind of it.
    """

    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="instalments"
    )
    # The order's customer, kept here for the customer's reminders (like Invoice.customer).
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("instalment"))
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    basis = models.CharField(_("counted from"), max_length=12, choices=InstalmentBasis.choices)
    days = models.PositiveSmallIntegerField(_("days after"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=InstalmentStatus.choices, default=InstalmentStatus.OPEN
    )

    objects = InstalmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="instalment_position_unique"),
            models.CheckConstraint(
                condition=models.Q(percent__gt=0, percent__lte=100, amount__gte=0, paid_amount__gte=0)
                & models.Q(paid_amount__lte=models.F("amount")),
                name="instalment_amounts_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="instalment_status_due_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.order.number}-{self.position}"

    @property
    def open_amount(self):
        return self.amount - self.paid_amount

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == InstalmentStatus.OPEN and self.due_date is not None and self.due_date < timezone.localdate()
        )

    @property
    def currency(self) -> str:
        return self.order.currency

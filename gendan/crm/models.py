import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.roles import DataScope
from gendan.accounts.scoping import ScopedQuerySet, scoped_subtree_ids
from gendan.core.models import TimeStampedModel, VersionedModel
from gendan.core.states import StateMachine


class CustomerQuerySet(ScopedQuerySet):
    owner_path = "owner"


def _now():
    # Looked up at call time, so code that stands in for "now" (the demo's replay) is obeyed.
    return timezone.now()


class InvoiceKind(models.TextChoices):
    """The two kinds of VAT invoice (增值税发票). Here, below finance, so that a customer can say which it gets."""

    NORMAL = "normal", _("VAT invoice")  # 增值税普通发票
    # 增值税专用发票: the buyer deducts its input tax, so it must name the buyer's tax details in full.
    SPECIAL = "special", _("Special VAT invoice")


class Customer(VersionedModel):
    class Level(models.TextChoices):
        A = "A", _("A — key account")
        B = "B", _("B — regular")
        C = "C", _("C — occasional")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    # What the customer's invoices print of them (开票信息); finance copies it onto an invoice when issuing it.
    invoice_kind = models.CharField(
        _("invoice kind"), max_length=8, choices=InvoiceKind.choices, default=InvoiceKind.NORMAL
    )
    invoice_title = models.CharField(
        _("invoice title"), max_length=200, blank=True, help_text=_("Leave empty to use the customer's name.")
    )
    # One text each, as a fapiao prints them: "address phone" and "bank account number".
    invoice_address_phone = models.CharField(_("address and phone"), max_length=200, blank=True)
    invoice_bank_account = models.CharField(_("bank and account"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, default=Level.B)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    # No index of its own: customer_owner_name_idx starts with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    notes = models.TextField(_("notes"), blank=True)
    # Kept by crm.services_followups: the newest follow-up's time, and the moment the
    # "no follow-up for N days" clock counts from (that follow-up, or the customer's creation).
    last_followed_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    quiet_since = models.DateTimeField(_("without follow-up since"), default=_now)

    # Values of the custom fields an administrator added (core.custom_fields), keyed by field key.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"),
        ]
        indexes = [
            # A rep's customer list.
            models.Index(fields=["owner", "name"], name="customer_owner_name_idx"),
            # Everyone's customer list in its default order, by name (an administrator's /customers/ and its
            # deep pages by keyset).
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            # Customers entered in a period: the list's "entered from / to" (the dashboards' new customers drill
            # there) and the new_customers metric. Without it an administrator's export of one month read all
            # 100,000 customers of the million-order set (SQLite 180 ms).
            models.Index(fields=["created_at", "id"], name="customer_created_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("crm:customer_detail", args=[self.pk])

    def invoice_buyer(self) -> dict[str, str]:
        """The buyer an invoice to this customer names: {"name", "tax_id", "address_phone", "bank_account"}."""
        return {
            "name": self.invoice_title or self.name,
            "tax_id": self.tax_id,
            "address_phone": self.invoice_address_phone,
            "bank_account": self.invoice_bank_account,
        }


class ContactQuerySet(ScopedQuerySet):
    # A contact is seen with its customer: on the customer's page, and by the global search.
    owner_path = "customer__owner"


class Contact(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("title"), max_length=64, blank=True)

    # Values of the custom fields an administrator added (core.custom_fields), keyed by field key.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Address(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    district = models.CharField(_("district"), max_length=32, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["id"]

    def __str__(self):
        return f"{self.province}{self.city}{self.district}{self.street} {self.recipient} {self.phone}"


def _through_customer(queryset, user, *own_paths):
    """Records of the customers `user` sees, and those whose `own_paths` person (a meeting's owner) is in scope.

    One scope for every path: a department's sub-teams are looked up once, not once per path.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope = user.data_scope
    if scope == DataScope.ALL:
        return queryset
    paths = ["customer__owner", *own_paths]
    condition = models.Q()
    if scope == DataScope.OWN or user.department_id is None:
        for path in paths:
            condition |= models.Q(**{path: user.pk})
    else:
        if scope == DataScope.TEAM:
            lookup, value = "department_id", user.department_id
        else:
            lookup, value = "department_id__in", scoped_subtree_ids(user)
        for path in paths:
            condition |= models.Q(**{f"{path}__{lookup}": value}) | models.Q(**{path: user.pk})
    return queryset.filter(condition)


# --- follow-ups ---------------------------------------------------------------------------------


class FollowUpKind(models.TextChoices):
    # With a context: "E-mail" alone is an address (电子邮箱); here it is a way of contact (邮件).
    CALL = "call", pgettext_lazy("follow-up kind", "Phone call")
    VISIT = "visit", pgettext_lazy("follow-up kind", "Visit")
    WECHAT = "wechat", pgettext_lazy("follow-up kind", "WeChat")
    EMAIL = "email", pgettext_lazy("follow-up kind", "E-mail")
    MEETING = "meeting", pgettext_lazy("follow-up kind", "Meeting")


class FollowUpQuerySet(ScopedQuerySet):
    # Whose follow-up it is for rules and scopes: the customer's owner's, whoever wrote it.
    owner_path = "customer__owner"


class FollowUp(TimeStampedModel):
    """One contact with a customer (跟进记录): what happened, what came of it, and when to follow up next."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="followups"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FollowUpKind.choices, default=FollowUpKind.CALL)
    occurred_at = models.DateTimeField(_("when"))
    notes = models.TextField(_("notes"))
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    next_followup_on = models.DateField(_("next follow-up"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # Set when the follow-up records a meeting that was held.
    meeting = models.OneToOneField(
        "Meeting", verbose_name=_("meeting"), null=True, blank=True, on_delete=models.SET_NULL, related_name="followup"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # A customer's follow-ups, newest first (the customer page, the API's ?customer=).
            models.Index(fields=["customer", "-occurred_at"], name="followup_customer_idx"),
            # Someone's own follow-ups over a period.
            models.Index(fields=["author", "-occurred_at"], name="followup_author_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("crm:customer_detail", args=[self.customer_id]) + "#followups"


# --- meetings -----------------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")  # on the calendar; reminded an hour before
    HELD = "held", _("Held")  # took place; its follow-up records what came of it
    CANCELLED = "cancelled", _("Cancelled")  # called off, with a reason


# Which status may follow which: one table, one guard (core.states).
MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.PLANNED: {MeetingStatus.HELD, MeetingStatus.CANCELLED},
    MeetingStatus.HELD: set(),
    MeetingStatus.CANCELLED: set(),
}
MEETING_STATES = StateMachine(MEETING_TRANSITIONS, refused=_("A meeting that is %(current)s cannot become %(new)s."))


class MeetingQuerySet(ScopedQuerySet):
    # The meeting's owner is the one reminded and the one rules address.
    owner_path = "owner"

    def visible_to(self, user):
        """Meetings with the customers `user` sees, and the meetings they (or their team) lead."""
        return _through_customer(self, user, "owner")


class Meeting(VersionedModel):
    """A meeting scheduled with a customer: when, where, who; held (with its follow-up) or cancelled."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("subject"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="meetings"
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("customer attendees"), blank=True, related_name="meetings"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]
        indexes = [
            # Someone's coming meetings.
            models.Index(fields=["owner", "status", "starts_at"], name="meeting_owner_idx"),
            # A customer's meetings.
            models.Index(fields=["customer", "starts_at"], name="meeting_customer_idx"),
        ]

    def __str__(self):
        return f"{self.title} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("crm:meeting_detail", args=[self.pk])

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


# --- contracts ----------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being prepared; editable, not yet in force
    # Signed, waiting for the approval a rule asks before it is put in force.
    PENDING_APPROVAL = "pending_approval", pgettext_lazy("contract status", "Pending approval")
    ACTIVE = "active", pgettext_lazy("contract status", "Active")  # signed and in force; renewal reminders run
    EXPIRED = "expired", pgettext_lazy("contract status", "Expired")  # its end date passed (set by the nightly job)
    TERMINATED = "terminated", _("Terminated")  # ended early, or a draft abandoned, with a reason


# Which status may follow which: one table, one guard (core.states).
CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    ContractStatus.DRAFT: {ContractStatus.ACTIVE, ContractStatus.PENDING_APPROVAL, ContractStatus.TERMINATED},
    ContractStatus.PENDING_APPROVAL: {ContractStatus.ACTIVE, ContractStatus.DRAFT},
    ContractStatus.ACTIVE: {ContractStatus.EXPIRED, ContractStatus.TERMINATED},
    ContractStatus.EXPIRED: set(),
    ContractStatus.TERMINATED: set(),
}
CONTRACT_STATES = StateMachine(CONTRACT_TRANSITIONS, refused=_("A contract that is %(current)s cannot become %(new)s."))
CONTRACT_EDITABLE = {ContractStatus.DRAFT, ContractStatus.ACTIVE}


def contract_file_path(contract, filename: str) -> str:
    """Under MEDIA_ROOT, by month, with a random name: the original name is kept on the row, never trusted as a path."""
    import os
    import uuid

    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"contracts/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"


class ContractQuerySet(ScopedQuerySet):
    # The contract's owner is the one reminded before it expires.
    owner_path = "owner"

    def visible_to(self, user):
        """Contracts of the customers `user` sees, and the contracts they (or their team) own."""
        return _through_customer(self, user, "owner")


class Contract(VersionedModel):
    """A contract with a customer (合同): its term, amount and file; reminders before it expires."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contracts"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=contract_file_path, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    termination_reason = models.CharField(_("reason for termination"), max_length=200, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["end_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="contract_amount_not_negative"),
        ]
        indexes = [
            # Contracts in force by the day they end: the list's "expiring" filter and the nightly expiry.
            models.Index(fields=["status", "end_date"], name="contract_status_end_idx"),
            # A customer's contracts.
            models.Index(fields=["customer", "end_date"], name="contract_customer_idx"),
            # Someone's contracts.
            models.Index(fields=["owner", "status"], name="contract_owner_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("crm:contract_detail", args=[self.pk])

    def days_left(self, today=None) -> int:
        return (self.end_date - (today or timezone.localdate())).days


# --- leads and opportunities --------------------------------------------------------------------


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")  # entered, nobody has spoken to them yet
    CONTACTED = "contacted", _("Contacted")  # someone got through; being qualified
    CONVERTED = "converted", _("Converted")  # became a customer (its record links it)
    DISQUALIFIED = "disqualified", _("Disqualified")  # not a prospect, with a reason


LEAD_OPEN = {LeadStatus.NEW, LeadStatus.CONTACTED}
# Which status may follow which: one table, one guard (core.states).
LEAD_TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED},
    LeadStatus.CONTACTED: {LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED},
    LeadStatus.CONVERTED: set(),
    LeadStatus.DISQUALIFIED: set(),
}
LEAD_STATES = StateMachine(LEAD_TRANSITIONS, refused=_("A lead that is %(current)s cannot become %(new)s."))


class LeadQuerySet(ScopedQuerySet):
    owner_path = "owner"


class Lead(VersionedModel):
    """A prospect (线索) not yet a customer: who, how to reach them, where they came from, who follows them."""

    company = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="leads"
    )
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text=_("The customer the lead became."),
    )
    disqualify_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Someone's open leads, newest first.
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_idx"),
        ]

    def __str__(self):
        return self.company

    def get_absolute_url(self):
        return reverse("crm:lead_detail", args=[self.pk])


class Stage(models.TextChoices):
    """The sales funnel (商机阶段), in order; won and lost close it."""

    LEAD = "lead", pgettext_lazy("opportunity stage", "Lead")  # a need heard of, not yet met
    FIRST_VISIT = "first_visit", _("First visit")  # met the customer, need understood
    PROPOSAL = "proposal", _("Proposal")  # a solution being proposed
    QUOTE = "quote", pgettext_lazy("opportunity stage", "Quote")  # priced: a quotation is with the customer
    NEGOTIATION = "negotiation", _("Negotiation")  # terms being agreed
    WON = "won", _("Won")  # the customer said yes
    LOST = "lost", _("Lost")  # the customer said no, or went quiet; with a reason


OPEN_STAGES = [Stage.LEAD, Stage.FIRST_VISIT, Stage.PROPOSAL, Stage.QUOTE, Stage.NEGOTIATION]
CLOSED_STAGES = {Stage.WON, Stage.LOST}
# The chance of winning a deal at each stage, unless someone says otherwise.
STAGE_PROBABILITY = {
    Stage.LEAD: 10,
    Stage.FIRST_VISIT: 20,
    Stage.PROPOSAL: 40,
    Stage.QUOTE: 60,
    Stage.NEGOTIATION: 80,
    Stage.WON: 100,
    Stage.LOST: 0,
}
# Which stage may follow which: any open stage to any other; a lost deal may be reopened; a won one is final.
STAGE_TRANSITIONS: dict[str, set[str]] = {
    **{stage: set(Stage.values) - {stage} for stage in OPEN_STAGES},
    Stage.LOST: set(OPEN_STAGES),
    Stage.WON: set(),
}
STAGE_STATES = StateMachine(
    STAGE_TRANSITIONS, refused=_("An opportunity that is %(current)s cannot move to %(new)s."), field="stage"
)


class OpportunityQuerySet(ScopedQuerySet):
    # The opportunity's owner works it and is the one rules address.
    owner_path = "owner"

    def visible_to(self, user):
        """Opportunities of the customers `user` sees, and those they (or their team) own."""
        return _through_customer(self, user, "owner")


class Opportunity(VersionedModel):
    """A deal with a customer (商机) moving through the funnel towards won or lost."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    name = models.CharField(_("name"), max_length=200)
    # With a context: "stage" alone is an order's step someone is responsible for (环节).
    stage = models.CharField(
        pgettext_lazy("opportunity", "stage"), max_length=12, choices=Stage.choices, default=Stage.LEAD
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_changed_at = models.DateTimeField(_("in this stage since"), default=_now)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=200, blank=True)
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    notes = models.TextField(_("notes"), blank=True)

    # Values of the custom fields an administrator added (core.custom_fields), keyed by field key.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opportunity_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="opportunity_probability_at_most_100"
            ),
            # A lost deal says why.
            models.CheckConstraint(
                condition=~models.Q(stage="lost") | ~models.Q(lost_reason=""), name="opportunity_lost_has_reason"
            ),
        ]
        indexes = [
            # The kanban and the funnel: open deals by stage.
            models.Index(fields=["stage", "expected_close_on"], name="opportunity_stage_idx"),
            # Someone's deals.
            models.Index(fields=["owner", "stage"], name="opportunity_owner_idx"),
            # A customer's deals.
            models.Index(fields=["customer", "stage"], name="opportunity_customer_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("crm:opportunity_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

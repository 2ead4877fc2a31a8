from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """Optimistic locking: every service that edits bumps `version`; a stale edit is refused."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The event log is append-only")

    def delete(self):
        raise TypeError("The event log is append-only")

    def for_object(self, obj):
        """Events of the object itself and of records that belong to it (its root)."""
        ct = ContentType.objects.get_for_model(obj)
        return self.filter(models.Q(content_type=ct, object_id=obj.pk) | models.Q(root_type=ct, root_id=obj.pk))


class Event(models.Model):
    """One thing that happened, recorded by the service that did it, inside its transaction."""

    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # Every index here is written on every service call (a third of what SQLite writes per
        # order went to the event log's indexes). Nothing looks events up by actor: users are
        # deactivated, never deleted.
        db_index=False,
    )
    verb = models.CharField(_("verb"), max_length=64)
    # Neither type has an index of its own: events are looked up by their record (the timeline indexes below), never
    # by type alone, and a content type goes only with its app.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("object"), max_length=200)
    # The record this one belongs to (an order for its shipment), so the order's timeline
    # shows its shipments' events without a join per row.
    root_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    root_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # A record's timeline, and a record's last events of a verb: the stage times look up, for each passage,
            # the order's entry into the stage before it. The verb is in the index so that this is one probe whatever
            # the planner knows (SQLite without statistics took event_verb_idx for it and walked every earlier
            # confirmation for each order: a million orders' daily figures never finished). The record's id comes
            # first: led by the type, the index covered "the order events of a verb in a period" well enough for
            # SQLite to read every order event through it instead of event_verb_idx.
            models.Index(fields=["object_id", "content_type", "verb", "occurred_at"], name="event_object_idx"),
            # The events of one verb in a period: the stage times (analytics.metrics.stages) find each passage by
            # the event that left the stage. Through the timeline index each read every event of orders in the
            # period (190 ms a stage at a million orders, three seconds for a dashboard naming the slowest).
            models.Index(fields=["verb", "occurred_at"], name="event_verb_idx"),
            # The timeline of a root record's children, and their last events of a verb (an order's invoices issued,
            # as above); events without a root are left out.
            models.Index(
                fields=["root_id", "root_type", "verb", "occurred_at"],
                name="event_root_idx",
                condition=models.Q(root_type__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The event log is append-only")


class LastActivity(models.Model):
    """When the record an event belongs to (its root, or the record itself when it has none) last had one.

    Kept by `events` in the transaction that writes the events, so "untouched for a week" (the
    stalled review) is a range on an index instead of a search of the event log for each of
    63,000 open orders. An order's row follows its own events and its shipments', invoices',
    payments' and tasks' (their root is the order), as the order's timeline does.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    occurred_at = models.DateTimeField(_("last activity"))

    class Meta:
        verbose_name = _("last activity")
        verbose_name_plural = _("last activities")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="last_activity_record_uniq"),
        ]
        indexes = [
            # The records of a type touched since a moment, read from the index alone (the stalled review).
            models.Index(fields=["content_type", "occurred_at", "object_id"], name="last_activity_recent_idx"),
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id} {self.occurred_at:%Y-%m-%d %H:%M}"


# The numbering patterns in use in this process, each with when it was read (monotonic clock):
# numbering.pattern_for keeps them for a short while, since they change a few times a year but
# are read for every document. Saving or deleting a sequence here forgets them at once; other
# processes pick the change up within numbering.PATTERN_TTL.
pattern_cache: dict[str, tuple[str, float]] = {}


class NumberSequence(models.Model):
    """The numbering pattern of one document type, e.g. SO{yyyy}{mm}{seq:05}."""

    doc_type = models.CharField(_("document type"), max_length=32, unique=True)
    pattern = models.CharField(_("pattern"), max_length=64)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.doc_type}: {self.pattern}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        pattern_cache.clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        pattern_cache.clear()
        return result

    def clean(self):
        # Without a running number every document of a period would get the same number.
        if "{seq" not in self.pattern:
            raise ValidationError({"pattern": _("A numbering pattern needs a {seq} part, e.g. SO{yyyy}{mm}{seq:05}.")})


class NumberCounter(models.Model):
    """The last number handed out for one document type in one period (the pattern's date part)."""

    doc_type = models.CharField(max_length=32)
    period = models.CharField(max_length=16, blank=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "period"], name="number_counter_unique_period"),
        ]

    def __str__(self):
        return f"{self.doc_type} {self.period}: {self.last_value}"


class IdempotencyKey(models.Model):
    """The first answer to a create request, so a retry with the same key gets it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    # sha256 of the request body: the same key with another body is refused, not replayed.
    request_fingerprint = models.CharField(max_length=64, default="")
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="idempotency_key_unique"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} {self.key}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """A download of a list too large to build in the request, written by the worker for the user who asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    # The name the list is registered under (core.exportable) and its ?query: filters and sort.
    list_name = models.CharField(_("list"), max_length=64)
    query = models.TextField(_("query"), blank=True)
    format = models.CharField(_("format"), max_length=8)
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return self.filename

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class PublicLink(models.Model):
    """A link that opens one record's page to someone without an account (a customer), until it expires.

    The link carries a random token; only its SHA-256 is kept, so the table alone opens nothing. An
    unknown, expired or revoked token opens nothing and tells nothing (core.services_links).
    """

    class Purpose(models.TextChoices):
        ORDER_STATUS = "order_status", _("Order status for the customer")
        STATEMENT = "statement", _("Statement for the customer to confirm")

    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    open_count = models.PositiveIntegerField(_("times opened"), default=0)
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)

    class Meta:
        verbose_name = _("public link")
        verbose_name_plural = _("public links")
        indexes = [
            # A record's links, newest first (the order page's "links sent").
            models.Index(fields=["content_type", "object_id", "created_at"], name="public_link_record_idx"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} #{self.object_id}"


class CustomFieldKind(models.TextChoices):
    # In their own context: "Number" elsewhere is a document's number, "Person" a way of assigning.
    TEXT = "text", pgettext_lazy("custom field kind", "Text")
    NUMBER = "number", pgettext_lazy("custom field kind", "Number")
    DATE = "date", pgettext_lazy("custom field kind", "Date")
    CHOICE = "choice", pgettext_lazy("custom field kind", "Choice")
    PERSON = "person", pgettext_lazy("custom field kind", "Person")


class CustomRecordType(models.TextChoices):
    """The records that carry custom fields, named as the event log and the rule editor name record types."""

    CUSTOMER = "crm.customer", _("Customer")
    CONTACT = "crm.contact", _("Contact")
    PRODUCT = "catalog.product", _("Product")
    ORDER = "sales.order", _("Order")
    OPPORTUNITY = "crm.opportunity", _("Opportunity")


class CustomField(TimeStampedModel):
    """A field an administrator adds to one type of record; its values live in the record's `custom_fields` JSON.

    Named by `record_type` ("crm.customer") rather than a content type: a database constraint can list the five
    types, and reading a record type's fields needs no content type lookup. Deactivated, never deleted, so the values
    records hold stay readable and the key is never reused for something else.
    """

    record_type = models.CharField(_("record type"), max_length=32, choices=CustomRecordType.choices)
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores; the name in the API, filters and exports."),
    )
    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomFieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["record_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "key"], name="customfield_type_key_uniq"),
            models.CheckConstraint(condition=models.Q(kind__in=CustomFieldKind.values), name="customfield_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(record_type__in=CustomRecordType.values), name="customfield_record_type_valid"
            ),
        ]

    def __str__(self):
        return self.label

"""Tasks, rules, the event outbox, notifications and their deliveries, calendars, assignment.

Everything here hangs off the event log: services record events, the outbox hands each
event to its subscribers (rules, notifications) exactly once, and periodic scans find
what is due by indexed times, never by walking tables.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.scoping import ScopedQuerySet
from gendan.core.models import TimeStampedModel, VersionedModel


class TaskStatus(models.TextChoices):
    # With a context: "Open" alone is already a column of amounts still to collect.
    OPEN = "open", pgettext_lazy("task status", "Open")  # to do; counts towards the assignee's workload
    DONE = "done", _("Done")  # completed by someone, recorded on the record's timeline
    CANCELLED = "cancelled", _("Cancelled")  # no longer needed (e.g. the record moved on)


class TaskSource(models.TextChoices):
    RULE = "rule", _("Rule")
    PERSON = "person", _("Person")
    SYSTEM = "system", _("System")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


def _subtree_ids(root_ids) -> list[int]:
    """The departments `root_ids` and every team below them, one query per level."""
    from gendan.accounts.models import Department

    ids = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


class TaskQuerySet(ScopedQuerySet):
    owner_path = "assignee"

    def visible_to(self, user):
        """A person's own tasks and those they handed out; a leader's also their teams'.

        Not the role's data scope alone: warehouse staff see every order, not everyone's to-do
        list. Leading a department shows the tasks of its members and of every team below it;
        the view_team_tasks permission (managers, executives) shows those within the role's
        data scope.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        from gendan.accounts.models import Department
        from gendan.accounts.roles import DataScope

        condition = models.Q(assignee=user) | models.Q(created_by=user)
        roots = set(Department.objects.filter(leader=user).values_list("pk", flat=True))
        if user.has_perm("automation.view_team_tasks"):
            scope = user.data_scope
            if scope == DataScope.ALL:
                return self
            if scope == DataScope.TEAM and user.department_id is not None:
                condition |= models.Q(assignee__department_id=user.department_id)
            elif scope == DataScope.DEPARTMENT and user.department_id is not None:
                roots.add(user.department_id)
        if roots:
            condition |= models.Q(assignee__department_id__in=_subtree_ids(roots))
        return self.filter(condition)

    def open(self):
        return self.filter(status=TaskStatus.OPEN)


class Task(VersionedModel):
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The record the task is about (a customer, an order, a shipment, ...), if any.
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    source = models.CharField(_("source"), max_length=8, choices=TaskSource.choices, default=TaskSource.PERSON)
    rule = models.ForeignKey(
        "automation.Rule",
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    # Rules fire at least once; this key makes them act at most once per record and occasion.
    dedupe_key = models.CharField(max_length=200, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    # When the "at risk" notice is due (automation.calendar.at_risk_time); cleared once sent.
    at_risk_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        permissions = [("view_team_tasks", _("Can see the team's tasks"))]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="task_unique_dedupe_key"
            ),
        ]
        indexes = [
            # "My tasks": a person's open tasks by due time.
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due_idx"),
            # The escalation scan: open tasks whose next escalation is due.
            models.Index(
                fields=["next_escalation_at"],
                condition=models.Q(status="open", next_escalation_at__isnull=False),
                name="task_escalation_due_idx",
            ),
            # The at-risk scan: open tasks whose warning is due.
            models.Index(
                fields=["at_risk_at"],
                condition=models.Q(status="open", at_risk_at__isnull=False),
                name="task_at_risk_due_idx",
            ),
            # A record's open tasks.
            models.Index(fields=["content_type", "object_id", "status"], name="task_record_idx"),
        ]

    def __str__(self):
        return self.title


class RuleTrigger(models.TextChoices):
    EVENT = "event", _("When an event happens")
    AFTER_EVENT = "after_event", _("Some time after an event, unless something else happened")
    DATE = "date", _("Some time before or after a date on the record")


class Rule(TimeStampedModel):
    """An automation configured without code: a trigger, conditions on the record, actions.

    conditions: [{"field": "status", "op": "in", "value": ["confirmed"]}, ...] — evaluated
    by automation.conditions (no eval). actions: [{"type": "create_task", ...}, {"type":
    "notify", ...}, {"type": "set_responsible", ...}].
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set on the rules Gendan ships, so upgrades can find them; blank for rules people add.
    system_key = models.CharField(max_length=64, blank=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=RuleTrigger.choices)
    # "app_label.model" of the records the rule looks at, e.g. "sales.order".
    target_model = models.CharField(_("record type"), max_length=64)
    event_verb = models.CharField(_("event"), max_length=64, blank=True)
    # For AFTER_EVENT: events on the record that make the rule moot (e.g. a follow-up was logged).
    unless_verbs = models.JSONField(_("unless one of these happened"), default=list, blank=True)
    # For DATE: the date or time field on the record the offset counts from.
    date_field = models.CharField(_("date field"), max_length=64, blank=True)
    # Negative: before the event or date; positive: after it.
    offset_minutes = models.IntegerField(_("offset (minutes)"), default=0)
    business_hours = models.BooleanField(_("count business hours only"), default=False)
    conditions = models.JSONField(_("conditions"), default=list, blank=True, encoder=DjangoJSONEncoder)
    actions = models.JSONField(_("actions"), default=list, encoder=DjangoJSONEncoder)
    # Escalation of the tasks this rule creates: business hours after the due time at which
    # the assignee, then the team leader, then the department head are told.
    escalation_hours = models.JSONField(_("escalation steps (hours)"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["system_key"], condition=~models.Q(system_key=""), name="rule_unique_system_key"
            ),
        ]

    def __str__(self):
        return self.name


class RuleFiring(models.Model):
    """One rule acting on one record on one occasion: the at-most-once guard of every rule."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    # What makes this occasion distinct: the event id, or the date the rule counted from.
    occasion = models.CharField(max_length=64)
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "content_type", "object_id", "occasion"], name="rule_firing_once"),
        ]

    def __str__(self):
        return f"{self.rule_id} on {self.content_type_id}:{self.object_id} ({self.occasion})"


class ScheduledCheck(models.Model):
    """A time-based rule's appointment with one record: at `due_at`, check and maybe act.

    Written when the triggering event happens (or the date is set), so the periodic scan
    reads only the rows now due through one index, whatever the number of records.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="scheduled_checks")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    occasion = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    # A check whose actions keep failing is retried by the next scans, then given up (done, error kept).
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "content_type", "object_id", "occasion"], name="scheduled_check_once"
            ),
        ]
        indexes = [
            # The periodic scan: what is due and not yet done.
            models.Index(fields=["due_at"], condition=models.Q(done_at__isnull=True), name="scheduled_check_due_idx"),
        ]

    def __str__(self):
        return f"{self.rule_id} on {self.content_type_id}:{self.object_id} at {self.due_at}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # gave up after the last retry


class EventDelivery(models.Model):
    """The outbox: one row per (event, subscriber); a retry never acts twice, a crash never loses one."""

    event = models.ForeignKey("core.Event", on_delete=models.PROTECT, related_name="+")
    subscriber = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="event_delivery_once"),
        ]
        indexes = [
            # The sweep re-queues what is still pending.
            models.Index(
                fields=["created_at"], condition=models.Q(status="pending"), name="event_delivery_pending_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.subscriber}"


class NotificationKind(models.TextChoices):
    """The kinds of notice people choose channels for (Notification.kind holds the value)."""

    TASK_ASSIGNED = "task.assigned", _("A task is assigned to me")
    TASK_DUE = "task.due", _("A task of mine is due")
    TASK_OVERDUE = "task.overdue", _("A task of mine is overdue")
    TASK_AT_RISK = "task.at_risk", _("A task is at risk of missing its deadline")
    TASK_ESCALATED = "task.escalated", _("A task is escalated to me")
    RULE = "rule", _("An automation rule tells me something")
    DIGEST = "digest", _("My daily digest")
    RESPONSIBILITY_ASSIGNED = "responsibility.assigned", _("A stage of a record is handed to me")


class Notification(models.Model):
    """One notice to one person; shown in the app and sent on the channels they chose."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # What kind of notice, for preferences: "task.assigned", "task.overdue", "task.escalated", "rule", ...
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_unique_dedupe_key"
            ),
        ]
        indexes = [
            # The bell: a person's unread notices.
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")
    WEBHOOK = "webhook", _("Signed JSON webhook")


class WebhookEndpoint(TimeStampedModel):
    """A group-chat robot or an outside system that receives notices."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=[c for c in Channel.choices if c[0] != "email"])
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Whose notices go there: a person's, or a whole department's (its group chat).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    # Notification kinds to forward; empty means all.
    kinds = models.JSONField(_("kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.name


class NotificationDelivery(models.Model):
    """One notice on one channel: sent at most once, retried with back-off, every failure kept."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When a worker took the row (pending → sending); a row stuck in "sending" long after
    # this lost its worker mid-delivery and is failed, never sent again automatically.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel", "endpoint"], name="notification_delivery_once"),
            # NULLs are distinct in a unique index: channels without an endpoint (e-mail) need their own.
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(endpoint__isnull=True),
                name="notification_delivery_once_without_endpoint",
            ),
        ]
        indexes = [
            # The sender's scan: what is waiting to go out now.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.notification_id} via {self.channel}"


class NotificationPreference(models.Model):
    """Which channels a person wants for a kind of notice ("*" for the default), and quiet hours."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, default="*")
    channels = models.JSONField(default=list, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.channels}"


class BusinessCalendar(TimeStampedModel):
    """Working days and hours for deadlines; holidays and adjusted working days (调休) as CalendarDay rows."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    # ISO weekdays that are normally working days (1 = Monday).
    working_weekdays = models.JSONField(_("working weekdays"), default=list)
    work_start = models.TimeField(_("work starts"))
    work_end = models.TimeField(_("work ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # Renewed on every change to the calendar or its days; processes cache by it (automation.calendar).
    revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_calendar"
            ),
        ]

    def __str__(self):
        return self.name


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a holiday, or a weekend day that is worked (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date} {'work' if self.is_working else 'off'}"


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Least open work")
    REGION = "region", _("By region")


class AssignmentRule(TimeStampedModel):
    """Who gets new records that arrive without an owner (imports, API, web forms)."""

    target_model = models.CharField(_("record type"), max_length=64)  # "crm.customer", "sales.order"
    strategy = models.CharField(_("strategy"), max_length=16, choices=AssignmentStrategy.choices)
    candidates = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("candidates"))
    # For REGION: {"浙江省": <user id>, ...}; anything else falls back to round robin.
    region_map = models.JSONField(_("region map"), default=dict, blank=True)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self):
        return f"{self.target_model}: {self.get_strategy_display()}"


class Responsibility(models.Model):
    """Who answers for one stage of one record; a handover ends one row and starts the next."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    stage = models.CharField(_("stage"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "stage"],
                condition=models.Q(ended_at__isnull=True),
                name="responsibility_one_current",
            ),
        ]

    def __str__(self):
        # Names the person: it is what a handover's event shows on the record's timeline.
        return f"{self.stage}: {self.user}"

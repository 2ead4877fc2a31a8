"""Notices to people, the channels and webhooks they go out on, and people's channel preferences."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel

from .outbox import DeliveryStatus
from .tasks import Task


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
    # The order's steps, each told by a shipped rule whose system_key is the kind (so each has its own channels).
    ORDER_APPROVAL_NEEDED = "order.approval_needed", _("An order waits for my approval")
    ORDER_APPROVED = "order.approved", _("My order is approved")
    ORDER_REJECTED = "order.rejected", _("My order is rejected")
    ORDER_CONFIRMED = "order.confirmed", _("My order is confirmed")
    ORDER_SHIPPED = "order.shipped", _("My order's goods have shipped")
    ORDER_DELIVERED = "order.delivered", _("My order's goods are delivered")
    ORDER_INVOICED = "order.invoiced", _("My order is invoiced")
    ORDER_PAID = "order.paid", _("My order is paid in full")
    ORDER_CLOSED = "order.closed", _("My order is closed")
    ORDER_HELD = "order.held", _("My order is put on hold")
    ORDER_CANCELLED = "order.cancelled", _("My order is cancelled")
    ORDER_TO_WAREHOUSE = "order.to_warehouse", _("An order is confirmed for my warehouse")
    ORDER_CHANGED = "order.changed", _("An order I follow is changed")
    ORDER_ASSIGNED = "order.assigned", _("An order is handed to me")
    MENTIONED = "comment.mentioned", _("Someone mentions me in a comment")
    # Analytics: a saved report on its schedule, and a number that moved more than an alert rule allows.
    REPORT = "report", _("A report I receive is sent")
    ANOMALY = "anomaly", _("A number moves more than our alert rules allow")


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
    # False for a kind the recipient keeps out of the bell: only in the list of notices (and written read).
    in_bell = models.BooleanField(default=True)
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


# The bell in Gendan, chosen per kind of notice like a channel (nothing is sent on it). A notice
# of a kind kept out of the bell is still written (Notification.in_bell false, already read): the
# e-mail or robot message, if any, points at it, and the list of notices keeps it.
BELL = "bell"
CHANNEL_LABELS = {BELL: _("Bell in Gendan"), **dict(Channel.choices)}


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

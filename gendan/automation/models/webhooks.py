"""Event webhooks: outside systems told of every committed event of the verbs they chose, one delivery row each."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel

from .outbox import DeliveryStatus

# `events` value for a webhook that receives every verb.
EVERY_EVENT = "*"


class EventWebhook(TimeStampedModel):
    """An outside system (an ERP, a data warehouse) that receives the events of the verbs it names."""

    url = models.URLField(_("URL"), max_length=500)
    # Verb codes ("order.confirmed"), or ["*"] for every event.
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("event webhook")
        verbose_name_plural = _("event webhooks")
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def wants(self, verb: str) -> bool:
        return EVERY_EVENT in self.events or verb in self.events


class WebhookDelivery(models.Model):
    """One event for one webhook: sent at least once under the same id, retried with back-off, dead after the last.

    A worker claims the row with a lease (`claimed_until`); a worker that dies holding it leaves
    the lease to run out, and the row is due again under the same id (webhooks.py says why).
    """

    webhook = models.ForeignKey(EventWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("core.Event", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(claimed_until__isnull=False),
                name="webhook_delivery_sending_has_lease",
            ),
        ]
        indexes = [
            # The sender's scan: pending rows by due time; a lease that ran out is found by its own end.
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due_idx"
            ),
            models.Index(
                fields=["claimed_until"], condition=models.Q(status="sending"), name="webhook_delivery_lease_idx"
            ),
            # The delivery log and the dead letters, newest first, per webhook or across them.
            models.Index(fields=["status", "-id"], name="webhook_delivery_status_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.webhook_id}"

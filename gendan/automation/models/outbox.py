"""The event outbox: one delivery row per (event, subscriber), and the sweep's cursor."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class OutboxCursor(models.Model):
    """How far the outbox sweep has read the event log: one row, so each sweep reads only what is new.

    What it guarantees: every event with an id at or below `last_event_id` has been handed to
    every subscriber and is done with (sent, or failed for good), except the ids listed in
    `gaps`. The sweep moves the cursor over an event only once it is done, never past one still
    pending (a pending event holds it; the events after it are still delivered meanwhile).

    Ids are taken at insert, not at commit: a long transaction can commit event 7 after event 8
    was committed, swept and passed. So an id the sweep finds missing below the events it passes
    becomes a gap, looked up again by every sweep until it appears and is done, or until a day
    after it was first missed — the day the sweep has always looked back, so an event committed
    within a day of being recorded is never skipped. An id rolled back for good stays a gap for
    that day, then is dropped.

    What it does not guarantee: an event committed more than a day after it was first missed is
    left to its own after-commit dispatch (as before the cursor: the sweep never looked back
    further than a day); a subscriber added later gets no event below the cursor.
    """

    last_event_id = models.BigIntegerField(default=0)
    # [[first id, last id, when first missed (ISO)], ...], ascending: the ids still awaited below the cursor.
    gaps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="outbox_cursor_single_row")]

    def __str__(self):
        return f"events ≤ {self.last_event_id}, {len(self.gaps)} gap(s)"

"""Rules configured without code, the guard that makes each act once, and their appointments."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel


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

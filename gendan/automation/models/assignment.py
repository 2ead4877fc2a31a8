"""Who gets new records that arrive without an owner, and who answers for each stage of a record."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel


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

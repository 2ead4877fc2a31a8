"""Saved reports: metrics chosen as measures, grouped by one or two groupings, narrowed by filters over a period; kept
by their owner, shared with a team, and sent on a schedule."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.accounts.models import Department
from gendan.core.models import TimeStampedModel


class ReportSchedule(models.TextChoices):
    """How often a report is sent to its owner and its subscribers."""

    NONE = "none", _("Not sent")
    # Every day at the report's time.
    DAILY = "daily", _("Every day")
    # Mondays at the report's time.
    WEEKLY = "weekly", _("Every Monday")
    # The first of each month at the report's time.
    MONTHLY = "monthly", _("On the 1st of each month")


def _teams_above(user) -> list[int]:
    """The user's department and every department above it: a report shared with a department reaches the teams
    below it too. The whole tree in one query (a company has tens of departments), once per user object."""
    cached = user.__dict__.get("_departments_above")
    if cached is None or cached[0] != user.department_id:
        parents = dict(Department.objects.values_list("pk", "parent_id"))
        found, current = [], user.department_id
        while current is not None and current not in found:
            found.append(current)
            current = parents.get(current)
        cached = (user.department_id, found)
        user.__dict__["_departments_above"] = cached
    return cached[1]


class SavedReportQuerySet(models.QuerySet):
    def seen_by(self, user):
        """The user's own reports and those shared with their team or a department above it."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.department_id is None:
            return self.filter(owner=user)
        return self.filter(models.Q(owner=user) | models.Q(shared_with_id__in=_teams_above(user)))


class SavedReport(TimeStampedModel):
    """A report as its owner built it: `dimensions` (one or two groupings of the metrics, e.g. ["month", "owner"]),
    `measures` (metric names, side by side), `filters` ({grouping: [keys], "period": ..., "start"/"end" for a fixed
    period}). Every figure is computed when it is read, in the reader's scope (analytics.reports.run_report).

    Sent on its `schedule` at `send_at` in each recipient's time zone to the owner and its subscribers (readers who
    asked for it), while they may still read it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_reports",
        # saved_report_unique_name starts with it.
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=100)
    dimensions = models.JSONField(_("rows"), default=list)
    measures = models.JSONField(_("measures"), default=list)
    filters = models.JSONField(_("filters and period"), default=dict, blank=True)
    shared_with = models.ForeignKey(
        Department,
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        # A team dissolved: the report is its owner's alone again.
        on_delete=models.SET_NULL,
        related_name="shared_reports",
    )
    schedule = models.CharField(_("sent"), max_length=10, choices=ReportSchedule.choices, default=ReportSchedule.NONE)
    send_at = models.TimeField(_("at"), default=datetime.time(8, 0))
    subscribers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("subscribers"), blank=True, related_name="report_subscriptions"
    )
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    objects = SavedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "id"]
        constraints = [
            # Also the index of a person's reports.
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_unique_name"),
            models.CheckConstraint(
                condition=models.Q(schedule__in=ReportSchedule.values), name="saved_report_schedule_valid"
            ),
        ]
        indexes = [
            # The scheduled sends: the job reads the reports sent on some schedule every quarter of an hour.
            models.Index(
                fields=["schedule"],
                name="saved_report_scheduled_idx",
                condition=~models.Q(schedule="none"),
            ),
        ]

    def __str__(self):
        return self.name

"""Business calendars: working days and hours for deadlines, with holidays and adjusted working days."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel


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

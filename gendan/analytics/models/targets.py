"""Targets (目标): an amount of a metric to reach over a year, a quarter or a month, for the company, a team or a rep."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.models import TimeStampedModel

# The years a target may be set for: the calendar core.bounds accepts for planned dates.
FIRST_YEAR, LAST_YEAR = 2000, 2999


class TargetMetric(models.TextChoices):
    """The metrics a target may be set on: amounts and counts that add up over time and people, never a ratio."""

    SALES = "sales", pgettext_lazy("metric", "Sales")
    COLLECTED = "collected", pgettext_lazy("metric", "Collected")
    ORDERS = "orders", pgettext_lazy("metric", "Orders")
    NEW_CUSTOMERS = "new_customers", pgettext_lazy("metric", "New customers")


class SubjectKind(models.TextChoices):
    COMPANY = "company", _("Company")  # the whole company: neither team nor owner
    TEAM = "team", _("Team")  # a department and the teams below it
    REP = "rep", _("Rep")  # one person, whatever team they are in


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", pgettext_lazy("period", "Month")


class Target(TimeStampedModel):
    metric = models.CharField(_("metric"), max_length=20, choices=TargetMetric.choices)
    subject = models.CharField(_("for"), max_length=10, choices=SubjectKind.choices)
    team = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    period = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(pgettext_lazy("period", "month"), null=True, blank=True)
    # Money for sales and collected, a whole number for orders and new customers (the service checks which).
    amount = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year", "period", "quarter", "month", "id"]
        permissions = [("set_target", _("Can set targets"))]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(subject=SubjectKind.COMPANY, team__isnull=True, owner__isnull=True)
                    | models.Q(subject=SubjectKind.TEAM, team__isnull=False, owner__isnull=True)
                    | models.Q(subject=SubjectKind.REP, team__isnull=True, owner__isnull=False)
                ),
                name="target_subject_fields",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(period=PeriodKind.YEAR, quarter__isnull=True, month__isnull=True)
                    | models.Q(
                        period=PeriodKind.QUARTER,
                        quarter__isnull=False,
                        quarter__gte=1,
                        quarter__lte=4,
                        month__isnull=True,
                    )
                    | models.Q(
                        period=PeriodKind.MONTH, quarter__isnull=True, month__isnull=False, month__gte=1, month__lte=12
                    )
                ),
                # A NULL passes a comparison in a CHECK: the quarter or month is required there explicitly.
                name="target_period_fields",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="target_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="target_year_in_range"
            ),
            models.CheckConstraint(condition=models.Q(metric__in=TargetMetric.values), name="target_metric_known"),
            # One target per metric, subject and period. The absent team, owner, quarter or month count as 0: NULLs
            # are distinct in a unique index, so two company targets for the same year would both go in otherwise.
            models.UniqueConstraint(
                "metric",
                "subject",
                Coalesce("team", 0),
                Coalesce("owner", 0),
                "period",
                "year",
                Coalesce("quarter", 0),
                Coalesce("month", 0),
                name="target_unique_subject_period",
            ),
        ]
        indexes = [
            # The targets page and the API: a year's targets of one metric.
            models.Index(fields=["metric", "year", "period"], name="target_metric_year_idx"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.period_label()} {self.subject_label()}"

    def subject_label(self) -> str:
        if self.subject == SubjectKind.TEAM:
            return str(self.team)
        if self.subject == SubjectKind.REP:
            return str(self.owner)
        return str(_("Company"))

    def period_label(self) -> str:
        return period_label(self.period, self.year, self.quarter, self.month)

    def dates(self) -> tuple[datetime.date, datetime.date]:
        return period_dates(self.period, self.year, self.quarter, self.month)


def period_dates(kind: str, year: int, quarter: int | None, month: int | None) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a year, a quarter of it or a month of it."""
    if kind == PeriodKind.QUARTER:
        first_month, last_month = (quarter - 1) * 3 + 1, quarter * 3
    elif kind == PeriodKind.MONTH:
        first_month = last_month = month
    else:
        first_month, last_month = 1, 12
    after = datetime.date(year + 1, 1, 1) if last_month == 12 else datetime.date(year, last_month + 1, 1)
    return datetime.date(year, first_month, 1), after - datetime.timedelta(days=1)


def period_label(kind: str, year: int, quarter: int | None, month: int | None) -> str:
    if kind == PeriodKind.QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
    if kind == PeriodKind.MONTH:
        return _("%(year)s-%(month)02d") % {"year": year, "month": month}
    return str(year)

"""Anomaly alerts: the rules a company sets, and each alert a rule raised for one person.

A rule is one of three kinds, each with its own settings (required per kind by the database):
- metric_drop: a metric of the metric module fell more than `threshold_percent` in the last complete week or month
  against the period before it or the same period a year earlier, from a compared figure of at least `minimum_base`;
- customer_stopped: a customer with at least `minimum_orders` confirmed orders has ordered nothing for longer than
  `stopped_days` and `interval_multiple` times their usual gap between orders, whichever is longer;
- unusual_quantity: a line confirmed since the last run is more than `quantity_multiple` times, or less than its
  reciprocal, the median quantity of the customer's last `history_orders` orders of the product.
Each is evaluated in each recipient's own scope, so a rep is told about their own records and the boss about the
company's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import Role
from gendan.core.models import VersionedModel


class AlertKind(models.TextChoices):
    METRIC_DROP = "metric_drop", _("A metric falls")
    CUSTOMER_STOPPED = "customer_stopped", _("A customer stops ordering")
    UNUSUAL_QUANTITY = "unusual_quantity", _("An order's quantity is far from the customer's usual")


class AlertPeriod(models.TextChoices):
    """The last complete one, as of the day the rule is evaluated."""

    WEEK = "week", _("Last complete week")
    MONTH = "month", _("Last complete month")


class AlertCompare(models.TextChoices):
    """As the metric module compares: as many days just before, or the same dates a year earlier."""

    PREVIOUS = "previous", _("Previous period")
    LAST_YEAR = "last_year", _("Same period last year")


def _set(*names) -> Q:
    """Each of the columns is given: a CHECK holds on NULL, so `x > 0` alone lets a missing value through."""
    return Q(**{f"{name}__isnull": False for name in names})


_DROP = Q(kind=AlertKind.METRIC_DROP)
_STOPPED = Q(kind=AlertKind.CUSTOMER_STOPPED)
_UNUSUAL = Q(kind=AlertKind.UNUSUAL_QUANTITY)


class AlertRule(VersionedModel):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    active = models.BooleanField(_("active"), default=True)
    # metric_drop
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    period = models.CharField(_("period"), max_length=10, choices=AlertPeriod.choices, blank=True)
    compare = models.CharField(_("compared with"), max_length=10, choices=AlertCompare.choices, blank=True)
    threshold_percent = models.DecimalField(
        _("fall of more than (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    minimum_base = models.DecimalField(
        _("compared figure at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # customer_stopped, and for unusual_quantity the past orders of the product needed to judge
    minimum_orders = models.PositiveSmallIntegerField(_("past orders at least"), null=True, blank=True)
    stopped_days = models.PositiveSmallIntegerField(_("no order for more than (days)"), null=True, blank=True)
    interval_multiple = models.DecimalField(
        _("and more than this many usual gaps"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # unusual_quantity
    quantity_multiple = models.DecimalField(
        _("times the usual quantity (or its fraction)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    history_orders = models.PositiveSmallIntegerField(_("usual quantity over the last orders"), null=True, blank=True)
    # Recipients: any of named people, everyone with a role, and the people whose own records the rule reads (those
    # who own customers) with each one's leader.
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="alert_rules", verbose_name=_("people")
    )
    recipient_role = models.CharField(_("everyone with the role"), max_length=20, choices=Role.choices, blank=True)
    owners_and_leaders = models.BooleanField(_("each owner and their leader"), default=False)
    # Rules Gendan ships: switched off, never deleted.
    system_key = models.CharField(max_length=40, blank=True)
    # Where the last unusual-quantity scan stopped: the next one reads the orders confirmed after it.
    scanned_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="alertrule_unique_name"),
            models.UniqueConstraint(
                fields=["system_key"], condition=~Q(system_key=""), name="alertrule_unique_system_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alertrule_kind_valid"),
            models.CheckConstraint(
                condition=~_DROP
                | (
                    ~Q(metric="")
                    & Q(period__in=AlertPeriod.values)
                    & Q(compare__in=AlertCompare.values)
                    & _set("threshold_percent", "minimum_base")
                    & Q(threshold_percent__gt=0)
                    & Q(minimum_base__gte=0)
                ),
                name="alertrule_metric_drop_settings",
            ),
            models.CheckConstraint(
                condition=~_STOPPED
                | (
                    _set("minimum_orders")
                    & Q(minimum_orders__gte=2)
                    & (Q(stopped_days__isnull=False) | Q(interval_multiple__isnull=False))
                    & (Q(stopped_days__isnull=True) | Q(stopped_days__gt=0))
                    & (Q(interval_multiple__isnull=True) | Q(interval_multiple__gt=0))
                ),
                name="alertrule_customer_stopped_settings",
            ),
            models.CheckConstraint(
                condition=~_UNUSUAL
                | (
                    _set("quantity_multiple", "history_orders", "minimum_orders")
                    & Q(quantity_multiple__gt=1)
                    & Q(history_orders__gte=1)
                    & Q(minimum_orders__gte=1)
                ),
                name="alertrule_unusual_quantity_settings",
            ),
            models.CheckConstraint(
                condition=Q(threshold_percent__isnull=True) | Q(threshold_percent__gt=0),
                name="alertrule_threshold_positive",
            ),
        ]

    def __str__(self):
        return self.name


class Alert(models.Model):
    """What one rule found for one person: once per rule, person, period and subject (the unique constraint, with the
    notice's dedupe key, makes a second run a no-op).

    `period_start`..`period_end` is the period a metric fell in; for a customer, the day of their last order (so a
    customer who orders again and stops again is told again); for an order's line, the day it was confirmed.
    `breakdown` (metric_drop): for each of owner, region, product and customer, the rows that moved most, largest
    fall first: [{"key", "label", "value", "compare_value", "change", "share"}], figures as decimal strings or
    integers, `share` the percent of the total change.
    """

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    fired_at = models.DateTimeField()
    period_start = models.DateField()
    period_end = models.DateField()
    compare_start = models.DateField(null=True, blank=True)
    compare_end = models.DateField(null=True, blank=True)
    # "" for a metric; "customer:<id>" or "line:<id>".
    subject_key = models.CharField(max_length=40, blank=True)
    customer = models.ForeignKey("crm.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("sales.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The metric's figure (a quantity for a line, days without an order for a customer), the figure it is held
    # against (the compared period's, the usual quantity, the longest the customer may go quiet) and the change.
    value = models.DecimalField(max_digits=16, decimal_places=2)
    compare_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    change_percent = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    breakdown = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "recipient", "period_start", "subject_key"], name="alert_once_per_period_and_subject"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="alert_period_ordered"),
        ]
        indexes = [
            # The reader's alerts, newest first (the alerts page and /api/v1/alerts/).
            models.Index(fields=["recipient", "-fired_at"], name="alert_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.rule} · {self.period_start}"

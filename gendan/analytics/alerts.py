"""Anomaly alerts: the rules' services, and what each rule finds for each of its recipients.

Every figure is read in the recipient's own scope — a rep is told about their own records, the boss about the
company's — and a metric's figures are the metric module's (`Metric.compute`), never computed here. A rule that finds
something raises one `Alert` per recipient and period (or customer, or order line) and a notice of kind "anomaly" on
the recipient's channels; the alert's unique constraint and the notice's dedupe key make a second run a no-op.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gendan.automation.models import NotificationKind
from gendan.automation.services import notification_create
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.numbers import plain_decimal
from gendan.core.services import check_version, require_perm

from .alert_findings import BREAKDOWN, Finding, rule_findings
from .metrics import COUNT, METRICS, MONEY, Metric, get_metric
from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION
from .models import Alert, AlertCompare, AlertKind, AlertPeriod, AlertRule

MANAGE_RULES = "analytics.change_alertrule"
RULE_FIELDS = [
    "name",
    "kind",
    "active",
    "metric",
    "period",
    "compare",
    "threshold_percent",
    "minimum_base",
    "minimum_orders",
    "stopped_days",
    "interval_multiple",
    "quantity_multiple",
    "history_orders",
    "recipient_role",
    "owners_and_leaders",
]
# The settings each kind reads; the others are cleared, so a rule never carries another kind's leftovers.
KIND_FIELDS = {
    AlertKind.METRIC_DROP: ("metric", "period", "compare", "threshold_percent", "minimum_base"),
    AlertKind.CUSTOMER_STOPPED: ("minimum_orders", "stopped_days", "interval_multiple"),
    AlertKind.UNUSUAL_QUANTITY: ("minimum_orders", "quantity_multiple", "history_orders"),
}
_BLANK_WHEN_UNUSED = {"metric", "period", "compare"}
SHIPPED_SALES_DROP = "sales_drop"


def alert_metrics() -> list[Metric]:
    """The metrics a fall can be watched on: sums and counts over a period (a rate's points and a cycle time, where a
    rise is the bad news, are left out)."""
    return [metric for metric in METRICS.values() if metric.unit in (MONEY, COUNT) and not metric.point_in_time]


# --- rules -------------------------------------------------------------------------------------


def _clean_rule(rule: AlertRule, users) -> None:
    errors = {}
    rule.name = (rule.name or "").strip() if isinstance(rule.name, str) else ""
    if not rule.name:
        errors["name"] = [_("Name the rule.")]
    elif len(rule.name) > 100:
        errors["name"] = [_("Use at most 100 characters.")]
    elif AlertRule.objects.filter(name=rule.name).exclude(pk=rule.pk).exists():
        errors["name"] = [_("Another alert rule has this name.")]
    if rule.kind not in AlertKind.values:
        errors["kind"] = [_("Choose what the rule watches.")]
    else:
        for name in {name for fields in KIND_FIELDS.values() for name in fields} - set(KIND_FIELDS[rule.kind]):
            setattr(rule, name, "" if name in _BLANK_WHEN_UNUSED else None)
        errors |= _KIND_CHECKS[rule.kind](rule)
    if rule.recipient_role and rule.recipient_role not in dict(AlertRule._meta.get_field("recipient_role").choices):
        errors["recipient_role"] = [_("Choose a role.")]
    if any(not user.is_active for user in users):
        errors["recipient_users"] = [_("Choose active people.")]
    # A rule switched off may tell nobody: switching off one whose only person has left must not be refused.
    if rule.active and not (users or rule.recipient_role or rule.owners_and_leaders):
        errors["recipient_users"] = [_("Choose who is told: people, a role, or each owner and their leader.")]
    if errors:
        raise ValidationError(errors)


def _positive(rule, name, errors, message, *, above=0):
    value = getattr(rule, name)
    if value is None or value <= above:
        errors[name] = [message]


def _metric_drop_errors(rule) -> dict:
    errors = {}
    if rule.metric not in {metric.name for metric in alert_metrics()}:
        errors["metric"] = [_("Choose a sum or a count the metrics compare over a period.")]
    if rule.period not in AlertPeriod.values:
        errors["period"] = [_("Choose the last complete week or month.")]
    if rule.compare not in AlertCompare.values:
        errors["compare"] = [_("Compare with the previous period or the same period last year.")]
    _positive(rule, "threshold_percent", errors, _("Enter a fall above 0 %."))
    if rule.threshold_percent is not None and rule.threshold_percent > 100:
        errors["threshold_percent"] = [_("A figure cannot fall more than 100 %.")]
    if rule.minimum_base is None:
        rule.minimum_base = Decimal("0")
    elif rule.minimum_base < 0:
        errors["minimum_base"] = [_("Enter 0 or more.")]
    return errors


def _customer_stopped_errors(rule) -> dict:
    errors = {}
    _positive(rule, "minimum_orders", errors, _("Enter 2 or more: a gap needs two orders."), above=1)
    if rule.stopped_days is None and rule.interval_multiple is None:
        errors["stopped_days"] = [_("Enter a number of days, a multiple of the usual gap, or both.")]
    if rule.stopped_days is not None and rule.stopped_days <= 0:
        errors["stopped_days"] = [_("Enter a number of days above 0.")]
    if rule.interval_multiple is not None and rule.interval_multiple <= 0:
        errors["interval_multiple"] = [_("Enter a multiple above 0.")]
    return errors


def _unusual_quantity_errors(rule) -> dict:
    errors = {}
    _positive(rule, "quantity_multiple", errors, _("Enter a multiple above 1 (3 means above 3× or below ⅓)."), above=1)
    _positive(rule, "history_orders", errors, _("Enter how many past orders make the usual quantity."))
    _positive(rule, "minimum_orders", errors, _("Enter how many past orders are needed to judge, 1 or more."))
    if rule.history_orders and rule.minimum_orders and rule.minimum_orders > rule.history_orders:
        errors["minimum_orders"] = [_("Cannot need more past orders than the usual quantity is taken over.")]
    return errors


_KIND_CHECKS = {
    AlertKind.METRIC_DROP: _metric_drop_errors,
    AlertKind.CUSTOMER_STOPPED: _customer_stopped_errors,
    AlertKind.UNUSUAL_QUANTITY: _unusual_quantity_errors,
}


def _snapshot(rule: AlertRule, users) -> dict:
    return {**events.snapshot(rule, RULE_FIELDS), "recipient_users": sorted(user.pk for user in users)}


@transaction.atomic
def alert_rule_create(*, actor, recipient_users=(), **data) -> AlertRule:
    require_perm(actor, MANAGE_RULES)
    users = list(recipient_users)
    rule = AlertRule(**{name: value for name, value in data.items() if name in RULE_FIELDS})
    _clean_rule(rule, users)
    rule.save()
    rule.recipient_users.set(users)
    events.record(actor, "alert_rule.created", rule, data=_snapshot(rule, users))
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, actor, version=None, recipient_users=None, **data) -> AlertRule:
    """Edit a rule (switching it off is `active=False`); `recipient_users` None keeps the people it names."""
    require_perm(actor, MANAGE_RULES)
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    check_version(rule, version)
    before_users = list(rule.recipient_users.all())
    # Someone who has left since drops out of the rule at its next edit (the event records it).
    users = [user for user in before_users if user.is_active] if recipient_users is None else list(recipient_users)
    before = _snapshot(rule, before_users)
    for name, value in data.items():
        if name in RULE_FIELDS:
            setattr(rule, name, value)
    _clean_rule(rule, users)
    rule.version += 1
    rule.save()
    rule.recipient_users.set(users)
    events.record(actor, "alert_rule.updated", rule, changes=events.diff(before, _snapshot(rule, users)))
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule, actor) -> None:
    """Only a rule that never raised an alert: the alerts people were sent stay explained by their rule."""
    require_perm(actor, MANAGE_RULES)
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    if rule.system_key or rule.alerts.exists():
        raise ApplicationError(
            _("This rule is built in or has raised alerts: switch it off instead."),
            ErrorCode.NOT_EDITABLE,
            {"system_key": rule.system_key},
        )
    events.record(actor, "alert_rule.deleted", rule, data=_snapshot(rule, list(rule.recipient_users.all())))
    rule.delete()


# --- raising alerts ----------------------------------------------------------------------------


def alert_rule_run(*, rule: AlertRule, actor=None, today: datetime.date | None = None, now=None) -> list[Alert]:
    """Raise what `rule` finds now: an alert and a notice for each finding not raised before (the others are left
    alone, so a second run raises nothing). `actor` is whoever asked for the run (None for the daily job)."""
    if actor is not None:
        require_perm(actor, MANAGE_RULES)
    now = now or timezone.now()
    raised = []
    with transaction.atomic():
        for finding in rule_findings(rule, today=today, now=now):
            alert = _raise(finding, actor, now)
            if alert is not None:
                raised.append(alert)
        if rule.kind == AlertKind.UNUSUAL_QUANTITY:
            AlertRule.objects.filter(pk=rule.pk).update(scanned_until=now)
            rule.scanned_until = now
    return raised


def alerts_evaluate(*, today: datetime.date | None = None, now=None) -> int:
    """Run every active rule; how many alerts were raised."""
    return sum(len(alert_rule_run(rule=rule, today=today, now=now)) for rule in AlertRule.objects.filter(active=True))


def _raise(finding: Finding, actor, now) -> Alert | None:
    alert = Alert(
        rule=finding.rule,
        recipient=finding.recipient,
        fired_at=now,
        period_start=finding.period.start,
        period_end=finding.period.end,
        compare_start=finding.compared.start if finding.compared else None,
        compare_end=finding.compared.end if finding.compared else None,
        subject_key=finding.subject_key,
        customer_id=finding.customer_id,
        order_id=finding.order_id,
        product_id=finding.product_id,
        value=finding.value,
        compare_value=finding.compare_value,
        change_percent=finding.change_percent,
        breakdown=finding.breakdown,
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        # Raised by an earlier run (or a run racing this one): told once.
        return None
    events.record(actor, "alert.raised", alert, data={"rule": finding.rule.pk, "recipient": finding.recipient.pk})
    # The notice is written in the company's language, as the shipped rules' notices are.
    with translation.override(settings.LANGUAGE_CODE):
        title, body = notice_text(finding)
    notification_create(
        recipient=finding.recipient,
        kind=NotificationKind.ANOMALY,
        title=title,
        body=body,
        url=reverse("analytics:alert", args=[alert.pk]),
        related=alert,
        dedupe_key=finding.dedupe_key,
    )
    return alert


def figure(value) -> str:
    """An amount or a count as the dashboard's cards write it: 132,751.00."""
    return intcomma(value)


def _signed(value) -> str:
    text = figure(abs(Decimal(value)))
    return f"−{text}" if Decimal(value) < 0 else f"+{text}"


def contributor_text(row: dict) -> str:
    """ "华东 −38,000.00 (82.0 % of the fall)"."""
    text = f"{row['label'] or _('None')} {_signed(row['change'])}"
    if row["share"] is None:
        return text
    return _("%(row)s (%(share)s %% of the fall)") % {"row": text, "share": row["share"]}


def notice_text(finding: Finding) -> tuple[str, str]:
    rule = finding.rule
    if rule.kind == AlertKind.METRIC_DROP:
        metric = get_metric(rule.metric)
        title = _("%(metric)s down %(change)s %% (%(start)s – %(end)s)") % {
            "metric": metric.label,
            "change": abs(finding.change_percent),
            "start": date_format(finding.period.start, "SHORT_DATE_FORMAT"),
            "end": date_format(finding.period.end, "SHORT_DATE_FORMAT"),
        }
        lines = [
            _("%(value)s against %(compare_value)s in %(start)s – %(end)s.")
            % {
                "value": figure(finding.value),
                "compare_value": figure(finding.compare_value),
                "start": date_format(finding.compared.start, "SHORT_DATE_FORMAT"),
                "end": date_format(finding.compared.end, "SHORT_DATE_FORMAT"),
            }
        ]
        labels = {REGION: _("Region"), OWNER: _("Owner"), PRODUCT: _("Product"), CUSTOMER: _("Customer")}
        for group_by in BREAKDOWN:
            if rows := finding.breakdown.get(group_by):
                lines.append(f"{labels[group_by]}: {contributor_text(rows[0])}")
        return title, "\n".join(lines)
    names = finding.names
    if rule.kind == AlertKind.CUSTOMER_STOPPED:
        title = _("%(customer)s has not ordered for %(days)s days") % {
            "customer": names["customer"],
            "days": plain_decimal(finding.value),
        }
        body = _("Last order on %(day)s; %(orders)s orders, usually %(usual)s days apart.") % {
            "day": date_format(finding.period.start, "SHORT_DATE_FORMAT"),
            "orders": names["orders"],
            "usual": names["usual"],
        }
        return title, body
    title = _("%(order)s: %(quantity)s of %(product)s, usually %(usual)s") % {
        "order": names["order"],
        "quantity": plain_decimal(finding.value),
        "product": names["product"],
        "usual": plain_decimal(finding.compare_value),
    }
    body = _("%(customer)s's usual quantity is the median of their last %(orders)s orders of the product.") % {
        "customer": names["customer"],
        "orders": names["orders"],
    }
    return title, body

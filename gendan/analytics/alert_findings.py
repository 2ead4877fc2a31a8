"""What an alert rule finds now, for each of its recipients, in each one's own scope; nothing is written here.

A metric's fall is the metric module's figures (`Metric.compute`), its breakdown the same metric grouped by region,
owner, product and customer; a customer who stopped ordering and an unusual quantity are read set-based from the
metric module's record sets (`metrics.records`), which start from `visible_to(recipient)`.
"""

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Min, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from gendan.accounts.models import Department
from gendan.crm.models import Customer

from .metrics import Metric, Period, Result, get_metric
from .metrics import records as metric_records
from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION
from .metrics.periods import MONTH, WEEK, bucket_of, company_zone
from .models import AlertKind, AlertPeriod, AlertRule

# The groupings a fall is explained by, in the order the alert shows them, and the rows kept of each.
BREAKDOWN = (REGION, OWNER, PRODUCT, CUSTOMER)
TOP_ROWS = 5
# Without a last scan (a new rule), the unusual-quantity scan reads the last week's orders.
FIRST_SCAN = datetime.timedelta(days=7)
_TENTH = Decimal("0.1")


# --- who is told -------------------------------------------------------------------------------


def _leaders(user_departments: dict) -> set[int]:
    """{owner id: department id} → the ids of their leaders, as accounts.selectors.leader_of finds them (the nearest
    active leader up the tree other than the person), from one read of the tree."""
    tree = {pk: (parent, leader, active) for pk, parent, leader, active in _department_rows()}
    found = set()
    for person, department in user_departments.items():
        seen = set()
        while department is not None and department not in seen:
            seen.add(department)
            parent, leader, active = tree.get(department, (None, None, False))
            if leader is not None and active and leader != person:
                found.add(leader)
                break
            department = parent
    return found


def _department_rows():
    return Department.objects.values_list("pk", "parent_id", "leader_id", "leader__is_active")


def rule_recipients(rule: AlertRule) -> list:
    """The active people the rule tells: those it names, everyone with its role, and — each owner and their leader —
    the people who own customers with the leader of each."""
    people = get_user_model().objects.filter(is_active=True)
    ids = set(rule.recipient_users.filter(is_active=True).values_list("pk", flat=True))
    if rule.recipient_role:
        ids |= set(people.filter(role=rule.recipient_role).values_list("pk", flat=True))
    if rule.owners_and_leaders:
        owners = people.filter(pk__in=Customer.objects.values("owner")).values_list("pk", "department_id")
        departments = dict(owners)
        ids |= set(departments) | _leaders(departments)
    return list(people.filter(pk__in=ids).order_by("pk"))


# --- what a rule finds -------------------------------------------------------------------------


@dataclass
class Finding:
    """One alert a rule would raise for one person."""

    rule: AlertRule
    recipient: object
    period: Period
    value: Decimal
    compare_value: Decimal | None = None
    change_percent: Decimal | None = None
    compared: Period | None = None
    subject_key: str = ""
    customer_id: int | None = None
    order_id: int | None = None
    product_id: int | None = None
    breakdown: dict = field(default_factory=dict)
    # Names for the notice: the customer's, the order's number, the product's.
    names: dict = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        return f"alert:{self.rule.pk}:{self.recipient.pk}:{self.period.start.isoformat()}:{self.subject_key}"


def last_complete(period: str, today: datetime.date) -> Period:
    """The last whole week (Monday to Sunday) or calendar month before `today`."""
    kind = MONTH if period == AlertPeriod.MONTH else WEEK
    end = bucket_of(today, kind) - datetime.timedelta(days=1)
    return Period(bucket_of(end, kind), end)


def rule_findings(rule: AlertRule, *, today: datetime.date | None = None, now=None) -> list[Finding]:
    """What `rule` finds now for each of its recipients, in each one's scope; nothing is written."""
    now = now or timezone.now()
    today = today or timezone.localdate(now, timezone=company_zone())
    recipients = rule_recipients(rule)
    if rule.kind == AlertKind.METRIC_DROP:
        return _metric_drops(rule, recipients, today)
    recipients = [person for person in recipients if person.has_perm("sales.view_order")]
    if rule.kind == AlertKind.CUSTOMER_STOPPED:
        return _stopped_customers(rule, recipients, today)
    return _unusual_quantities(rule, recipients, rule.scanned_until or now - FIRST_SCAN, now)


def _change(value, before) -> Decimal:
    return (Decimal(value - before) * 100 / abs(Decimal(before))).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _metric_drops(rule: AlertRule, recipients: list, today: datetime.date) -> list[Finding]:
    metric = get_metric(rule.metric)
    period = last_complete(rule.period, today)
    found = []
    for person in recipients:
        if not metric.visible_to(person):
            continue
        result = metric.compute(person, period.start, period.end, compare=rule.compare)
        base = result.compare_total
        # No percent of nothing; a fall on a figure below the base is noise.
        if not base or base < rule.minimum_base or result.change is None or result.change >= -rule.threshold_percent:
            continue
        found.append(
            Finding(
                rule=rule,
                recipient=person,
                period=period,
                compared=Period(result.compare_start, result.compare_end),
                value=Decimal(result.total),
                compare_value=Decimal(base),
                change_percent=result.change,
                breakdown=breakdown(metric, person, period, rule.compare, result),
            )
        )
    return found


def breakdown(metric: Metric, user, period: Period, compare: str, result: Result) -> dict:
    """For each grouping the metric offers of BREAKDOWN: the rows that fell, ranked by their part in the change,
    largest fall first, each with its share of the total change (in percent)."""
    moved = result.total - result.compare_total
    found = {}
    for group_by in BREAKDOWN:
        if group_by not in metric.group_bys:
            continue
        grouped = metric.compute(user, period.start, period.end, group_by=group_by, compare=compare)
        falls = sorted(
            (row for row in grouped.rows if row.value < row.compare_value),
            key=lambda row: (row.value - row.compare_value, row.label, str(row.key)),
        )
        found[group_by] = [
            {
                "key": row.key,
                "label": row.label,
                "value": _json(row.value),
                "compare_value": _json(row.compare_value),
                "change": _json(row.value - row.compare_value),
                "share": str(_share(row.value - row.compare_value, moved)) if moved else None,
            }
            for row in falls[:TOP_ROWS]
        ]
    return found


def _share(part, whole) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _json(value):
    return str(value) if isinstance(value, Decimal) else value


def _stopped_customers(rule: AlertRule, recipients: list, today: datetime.date) -> list[Finding]:
    """Customers with at least `minimum_orders` confirmed orders whose last is more than `stopped_days` days and
    `interval_multiple` times their usual gap ago (the mean gap from their first order to their last): one grouped
    query per recipient."""
    zone = company_zone()
    found = []
    for person in recipients:
        grouped = (
            metric_records.confirmed_orders(person)
            .order_by()
            .values("customer")
            .annotate(orders=Count("pk"), first=Min("confirmed_at"), last=Max("confirmed_at"))
            .filter(orders__gte=rule.minimum_orders)
        )
        if rule.stopped_days:
            quiet_since = today - datetime.timedelta(days=rule.stopped_days)
            grouped = grouped.filter(last__lt=datetime.datetime.combine(quiet_since, datetime.time(), tzinfo=zone))
        for row in grouped.values_list("customer", "customer__name", "orders", "first", "last"):
            customer, name, orders, first, last = row
            last_day = timezone.localdate(last, timezone=zone)
            quiet = (today - last_day).days
            usual = Decimal((last - first).total_seconds() / 86400 / (orders - 1)).quantize(_TENTH)
            allowed = max(Decimal(rule.stopped_days or 0), (rule.interval_multiple or 0) * usual)
            if quiet <= allowed:
                continue
            found.append(
                Finding(
                    rule=rule,
                    recipient=person,
                    period=Period(last_day, last_day),
                    value=Decimal(quiet),
                    compare_value=allowed.quantize(_TENTH),
                    subject_key=f"customer:{customer}",
                    customer_id=customer,
                    names={"customer": name, "usual": usual, "orders": orders},
                )
            )
    return found


def _unusual_quantities(rule: AlertRule, recipients: list, since, now) -> list[Finding]:
    """The lines of orders confirmed after `since` whose quantity is more than `quantity_multiple` times, or less than
    its reciprocal, the median of the customer's last `history_orders` lines of the product before that order: the
    recent lines in one query, and their history (the latest lines of each customer and product) in one more."""
    multiple = rule.quantity_multiple
    found = []
    for person in recipients:
        lines = metric_records.confirmed_lines(person)
        recent = list(
            lines.filter(order__confirmed_at__gt=since, order__confirmed_at__lte=now)
            .order_by("order__confirmed_at", "pk")
            .values(
                "pk",
                "order_id",
                "order__number",
                "order__confirmed_at",
                "order__customer_id",
                "order__customer__name",
                "product_id",
                "product__sku",
                "product__name",
                "quantity",
            )
        )
        if not recent:
            continue
        pairs = {(line["order__customer_id"], line["product_id"]) for line in recent}
        # Each pair's latest lines, enough for the oldest recent line of the pair to find its history behind the
        # newer ones.
        depth = rule.history_orders + max(
            sum((line["order__customer_id"], line["product_id"]) == pair for line in recent) for pair in pairs
        )
        history: dict = {}
        ranked = (
            lines.filter(
                order__customer__in={customer for customer, _product in pairs},
                product__in={product for _customer, product in pairs},
            )
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("order__customer"), F("product")],
                    order_by=[F("order__confirmed_at").desc(), F("pk").desc()],
                )
            )
            .filter(rank__lte=depth)
            .values_list("order__customer_id", "product_id", "order_id", "order__confirmed_at", "quantity")
        )
        for customer, product, order, confirmed, quantity in ranked:
            history.setdefault((customer, product), []).append((confirmed, order, quantity))
        for line in recent:
            pair = (line["order__customer_id"], line["product_id"])
            before = sorted(
                (
                    (confirmed, quantity)
                    for confirmed, order, quantity in history.get(pair, [])
                    if confirmed < line["order__confirmed_at"] and order != line["order_id"]
                ),
                reverse=True,
            )[: rule.history_orders]
            if len(before) < rule.minimum_orders:
                continue
            usual = Decimal(statistics.median(quantity for _confirmed, quantity in before))
            quantity = line["quantity"]
            if not usual or multiple * usual >= quantity >= usual / multiple:
                continue
            day = timezone.localdate(line["order__confirmed_at"], timezone=company_zone())
            found.append(
                Finding(
                    rule=rule,
                    recipient=person,
                    period=Period(day, day),
                    value=quantity,
                    compare_value=usual,
                    change_percent=_change(quantity, usual),
                    subject_key=f"line:{line['pk']}",
                    customer_id=pair[0],
                    order_id=line["order_id"],
                    product_id=pair[1],
                    names={
                        "customer": line["order__customer__name"],
                        "order": line["order__number"],
                        "product": f"{line['product__sku']} {line['product__name']}",
                        "orders": len(before),
                    },
                )
            )
    return found

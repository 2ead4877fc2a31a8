"""The dashboards: one per role, chosen by what the reader may see and do, each a set of KPI cards and charts.

Every figure on them is a metric's (gendan.analytics.metrics), computed in the reader's scope; this module only says
which metrics each dashboard shows, how, and where each number drills down to (drilldown.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import DataScope

from .drilldown import drill_url
from .metrics import Period, Result, get_metric
from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION, TEAM
from .metrics.periods import LAST_YEAR, MONTH, PREVIOUS
from .models import PeriodKind
from .targets import TargetPeriod, board

# ECharts draws these: a trend as a line, anything else as bars.
LINE, BAR = "line", "bar"


@dataclass(frozen=True)
class Card:
    metric: str
    # DSO, overdue tasks, cycle times: a fall is good news.
    lower_is_better: bool = False


@dataclass(frozen=True)
class Chart:
    """A metric's rows as a chart: by month over the last twelve months against the twelve before (a trend,
    whatever the period picked), or grouped otherwise over the period against the compared one; `limit` keeps the
    largest rows (a top 10)."""

    metric: str
    group_by: str
    title: object
    limit: int | None = None

    @property
    def is_trend(self) -> bool:
        return self.group_by == MONTH


@dataclass(frozen=True)
class Dashboard:
    key: str
    label: object
    qualifies: Callable
    cards: tuple
    charts: tuple = ()
    # A manager's dashboard names the stage orders spent longest in (analytics.stalls).
    names_slowest_stage: bool = False
    # Sales against target this month, by rep or by team (analytics.targets), for those who lead people.
    targets_by: str | None = None


def _sells_own(user) -> bool:
    return user.data_scope == DataScope.OWN and user.has_perm("sales.add_order")


def _leads_team(user) -> bool:
    return user.data_scope == DataScope.TEAM and user.has_perm("sales.view_order")


def _heads_department(user) -> bool:
    return user.data_scope == DataScope.DEPARTMENT and user.has_perm("sales.view_order")


def _oversees_company(user) -> bool:
    # The warehouse and finance see everything too, to do their work; the company's sales are for those who
    # oversee them, who approve orders.
    return user.data_scope == DataScope.ALL and user.has_perm("sales.approve_order")


def _ships(user) -> bool:
    return user.has_perm("fulfillment.ship_shipment") and not user.has_perm("sales.add_order")


def _keeps_books(user) -> bool:
    return user.has_perm("finance.add_invoice")


_SELLER_CARDS = (
    Card("sales"),
    Card("orders"),
    Card("collected"),
    Card("receivables"),
    Card("follow_ups"),
    Card("overdue_tasks", lower_is_better=True),
)
_SALES_TREND = Chart("sales", MONTH, _("Sales by month, against the year before"))
_BY_OWNER = (
    Chart("sales", OWNER, _("Sales by owner")),
    Chart("collected", OWNER, _("Collected by owner")),
)

# In the order of the tabs; the first a reader qualifies for opens.
DASHBOARDS = (
    Dashboard("rep", _("My sales"), _sells_own, _SELLER_CARDS, (_SALES_TREND,)),
    Dashboard(
        "team",
        _("My team"),
        _leads_team,
        _SELLER_CARDS,
        (_SALES_TREND, *_BY_OWNER),
        names_slowest_stage=True,
        targets_by=OWNER,
    ),
    Dashboard(
        "department",
        _("My department"),
        _heads_department,
        _SELLER_CARDS,
        (
            _SALES_TREND,
            Chart("sales", TEAM, _("Sales by team")),
            Chart("collected", TEAM, _("Collected by team")),
            *_BY_OWNER,
        ),
        names_slowest_stage=True,
        targets_by=TEAM,
    ),
    Dashboard(
        "executive",
        _("Company"),
        _oversees_company,
        (
            Card("sales"),
            Card("gross_margin"),
            Card("collected"),
            Card("receivables"),
            Card("dso", lower_is_better=True),
            Card("new_customers"),
            Card("valid_customers"),
            Card("quotation_conversion"),
        ),
        (
            _SALES_TREND,
            Chart("sales", REGION, _("Sales by region")),
            Chart("sales", PRODUCT, _("Top 10 products by sales"), limit=10),
            Chart("sales", CUSTOMER, _("Top 10 customers by sales"), limit=10),
        ),
        names_slowest_stage=True,
        targets_by=TEAM,
    ),
    Dashboard(
        "warehouse",
        _("Warehouse"),
        _ships,
        (
            Card("shipments"),
            Card("on_time_delivery"),
            Card("cycle_order_to_ship", lower_is_better=True),
        ),
        (
            Chart("shipments", MONTH, _("Shipments by month, against the year before")),
            Chart("on_time_delivery", MONTH, _("On-time delivery by month, against the year before")),
        ),
    ),
    Dashboard(
        "finance",
        _("Finance"),
        _keeps_books,
        (
            Card("invoiced"),
            Card("collected"),
            Card("collection_rate"),
            Card("receivables"),
            Card("dso", lower_is_better=True),
            Card("credited", lower_is_better=True),
            Card("cycle_ship_to_cash", lower_is_better=True),
        ),
        (
            Chart("invoiced", MONTH, _("Invoiced by month, against the year before")),
            Chart("collected", MONTH, _("Collected by month, against the year before")),
        ),
    ),
)


def dashboards_for(user) -> list[Dashboard]:
    """The dashboards `user` qualifies for, in their order."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [dashboard for dashboard in DASHBOARDS if dashboard.qualifies(user)]


@dataclass(frozen=True)
class CardView:
    card: Card
    result: Result
    url: str | None

    @property
    def metric(self):
        return self.result.metric

    @property
    def good_news(self) -> bool | None:
        """Whether the change is for the better; None when there is none."""
        if not self.result.change:
            return None
        return (self.result.change < 0) == self.card.lower_is_better


@dataclass(frozen=True)
class ChartView:
    key: str
    title: object
    config: dict


def build(dashboard: Dashboard, user, period: Period, compare: str, trend: Period) -> tuple[list, list]:
    """The cards and charts of `dashboard` for `user`, those of the metrics they may see."""
    cards = []
    for card in dashboard.cards:
        metric = get_metric(card.metric)
        if not metric.visible_to(user):
            continue
        result = metric.compute(user, period.start, period.end, compare=compare if metric.compares else None)
        cards.append(CardView(card, result, drill_url(metric.name, period.start, period.end)))
    charts = []
    for index, chart in enumerate(dashboard.charts):
        metric = get_metric(chart.metric)
        if not metric.visible_to(user):
            continue
        shown, compared = (trend, LAST_YEAR) if chart.is_trend else (period, compare)
        result = metric.compute(
            user, shown.start, shown.end, group_by=chart.group_by, compare=compared, limit=chart.limit
        )
        charts.append(ChartView(f"chart-{index}-{chart.metric}-{chart.group_by}", chart.title, _config(chart, result)))
    if dashboard.targets_by and get_metric("sales").visible_to(user):
        charts.append(_against_target(user, dashboard.targets_by, trend.end, index=len(dashboard.charts)))
    return cards, charts


def _against_target(user, group_by: str, today, *, index: int) -> ChartView:
    """This month's sales against target, by rep or by team (the teams without teams below them)."""
    start, end = TargetPeriod(PeriodKind.MONTH, today.year, month=today.month).dates()
    found = board(user, metric="sales", start=start, end=end)
    rows = found.reps if group_by == OWNER else found.leaf_teams
    config = {
        "kind": BAR,
        "unit": found.metric.unit,
        "horizontal": False,
        "categories": [row.label for row in rows],
        "series": [
            {"name": str(_("Target")), "values": [row.amount for row in rows], "urls": [None] * len(rows)},
            {
                "name": str(_("Actual")),
                "values": [row.actual for row in rows],
                "urls": [drill_url("sales", start, end, group_by=group_by, key=row.key) for row in rows],
            },
        ],
    }
    title = (
        _("Sales against target this month, by rep")
        if group_by == OWNER
        else _("Sales against target this month, by team")
    )
    return ChartView(f"chart-{index}-targets-{group_by}", title, config)


SERIES_NAMES = {
    PREVIOUS: _("Previous period"),
    LAST_YEAR: _("Same period last year"),
}


def _config(chart: Chart, result: Result) -> dict:
    """What charts.js draws: the rows' labels, the period's and the compared period's values, and the list each
    bar or point drills down to."""
    rows = result.rows
    metric, group_by = result.metric.name, result.group_by
    if chart.is_trend:
        names = (_("Last 12 months"), _("The 12 months a year before"))
        compared = Period(result.compare_start, result.compare_end).buckets(group_by)
        compare_keys = [day.isoformat() for day in compared]
    else:
        names = (_("This period"), SERIES_NAMES[result.compare])
        compare_keys = [row.key for row in rows]
    return {
        "kind": LINE if chart.is_trend else BAR,
        "unit": result.metric.unit,
        "horizontal": chart.limit is not None,
        "categories": [row.label for row in rows],
        "series": [
            {
                "name": str(names[0]),
                "values": [row.value for row in rows],
                "urls": [drill_url(metric, result.start, result.end, group_by=group_by, key=row.key) for row in rows],
            },
            {
                "name": str(names[1]),
                "values": [row.compare_value for row in rows],
                "urls": [
                    drill_url(metric, result.compare_start, result.compare_end, group_by=group_by, key=key)
                    for key in compare_keys
                ],
            },
        ],
    }

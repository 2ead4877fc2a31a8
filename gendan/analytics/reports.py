"""Self-service reports: measures side by side, by one or two groupings, narrowed by filters, over a period.

A report holds no figure of its own: `run_report` asks each measure once (one `Metric.compute` per measure, whatever
the rows) in the reader's scope, so a rep reading the report their manager shared sees only their own records in it,
and a scheduled send computes it for each recipient. A measure is found through `MEASURE_KINDS`, a registry of the
kinds of measure: metrics, and targets spread over the report's period ("target:sales" beside "sales" is sales
against target); each is read by the same `measure_values`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gendan.core.exports import export_response

from .drilldown import DRILLS
from .forms import LAST_30_DAYS, LAST_MONTH, THIS_MONTH, THIS_QUARTER, THIS_YEAR, preset_period
from .metrics import METRICS, Metric, Period, company_today
from .metrics.groupings import CUSTOMER, GROUP_BYS, OWNER, PRODUCT, REGION, TEAM, row_labels
from .metrics.periods import TIME_GROUPINGS, WEEK, bucket_end, bucket_label, bucket_of, period_errors
from .models import SubjectKind, TargetMetric
from .targets import Sight, pro_rata
from .templatetags.dashboards import figure

# What a report's rows may be grouped by, and narrowed by (any grouping but time: the period narrows time).
DIMENSIONS = GROUP_BYS
FILTER_GROUPINGS = (OWNER, TEAM, REGION, PRODUCT, CUSTOMER)
MAX_DIMENSIONS = 2
MAX_MEASURES = 8
# Keys a filter may hold per grouping: a report names a few people or products, not a list of the table.
MAX_FILTER_KEYS = 20
# Rows a notice lists; the page and the download have them all.
NOTICE_ROWS = 10

GROUPING_LABELS = {
    "month": pgettext_lazy("grouping", "Month"),
    "week": pgettext_lazy("grouping", "Week"),
    "day": pgettext_lazy("grouping", "Day"),
    OWNER: pgettext_lazy("grouping", "Owner"),
    TEAM: pgettext_lazy("grouping", "Team"),
    REGION: pgettext_lazy("grouping", "Region"),
    PRODUCT: pgettext_lazy("grouping", "Product"),
    CUSTOMER: pgettext_lazy("grouping", "Customer"),
}

THIS_WEEK, LAST_WEEK, LAST_7_DAYS, CUSTOM = "this_week", "last_week", "last_7_days", "custom"
PERIODS = {
    THIS_MONTH: gettext_lazy("This month"),
    LAST_MONTH: gettext_lazy("Last month"),
    THIS_WEEK: gettext_lazy("This week"),
    LAST_WEEK: gettext_lazy("Last week"),
    LAST_7_DAYS: gettext_lazy("Last 7 days"),
    LAST_30_DAYS: gettext_lazy("Last 30 days"),
    THIS_QUARTER: gettext_lazy("This quarter"),
    THIS_YEAR: gettext_lazy("This year"),
    CUSTOM: gettext_lazy("Fixed dates"),
}


def relative_period(name: str, today: datetime.date) -> Period:
    """A named period as of `today` (up to today where it has not ended yet). Weeks start on Monday."""
    if name == THIS_WEEK:
        return Period(bucket_of(today, WEEK), today)
    if name == LAST_WEEK:
        monday = bucket_of(today, WEEK) - datetime.timedelta(days=7)
        return Period(monday, bucket_end(monday, WEEK))
    if name == LAST_7_DAYS:
        return Period(today - datetime.timedelta(days=6), today)
    return preset_period(name, today)


def report_period(filters: dict, today: datetime.date) -> Period:
    """The period a report's filters name: its fixed dates, or its relative period as of `today`."""
    if filters.get("period") == CUSTOM:
        return Period(datetime.date.fromisoformat(filters["start"]), datetime.date.fromisoformat(filters["end"]))
    return relative_period(filters.get("period") or THIS_MONTH, today)


# --- measures ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One column of figures: its name as a report stores it, its label, unit and definition, and its kind."""

    name: str
    kind: str
    label: object
    unit: str
    definition: object
    source: object

    def visible_to(self, user) -> bool:
        return MEASURE_KINDS[self.kind].visible_to(self, user)

    @property
    def dimensions(self) -> tuple:
        return MEASURE_KINDS[self.kind].dimensions(self)

    @property
    def filterable(self) -> tuple:
        return tuple(grouping for grouping in self.dimensions if grouping in FILTER_GROUPINGS)


@dataclass(frozen=True)
class Figures:
    """A measure over a period: its `rows` ([(key, label, value)] in their order; by two groupings key and label
    are pairs), its `total`, and the list behind each figure (`url(key)`, None where no list shows them)."""

    rows: list
    total: object
    url: Callable = field(default=lambda key: None)
    total_url: str | None = None


@dataclass(frozen=True)
class MeasureKind:
    """A kind of measure: how a name is found, who may see it, what it may be grouped by, and its figures
    (`figures(measure, user, period, dimensions, filters)` → Figures)."""

    find: Callable
    visible_to: Callable
    dimensions: Callable
    figures: Callable


def _find_metric(name: str) -> Measure | None:
    metric = METRICS.get(name)
    if metric is None:
        return None
    return Measure(metric.name, "metric", metric.label, metric.unit, metric.definition, metric)


def _metric_figures(measure: Measure, user, period: Period, dimensions: list, filters: dict) -> Figures:
    metric: Metric = measure.source
    group_by = dimensions[0] if len(dimensions) == 1 else tuple(dimensions)
    result = metric.compute(user, period.start, period.end, group_by=group_by, filters=filters)
    return Figures(
        rows=[(row.key, row.label, row.value) for row in result.rows],
        total=result.total,
        url=lambda key: _drill(
            metric.name, period, dict(zip(dimensions, _pair(key, dimensions), strict=True)), filters
        ),
        total_url=_drill(metric.name, period, {}, filters),
    )


# A target measure is named "target:<metric>": the targets set for those who sell, spread over the report's period.
TARGET_PREFIX = "target:"
_TARGET_DIMENSIONS = ("month", "week", "day", OWNER, TEAM)


def _find_target(name: str) -> Measure | None:
    if not name.startswith(TARGET_PREFIX) or name[len(TARGET_PREFIX) :] not in TargetMetric.values:
        return None
    metric = METRICS[name[len(TARGET_PREFIX) :]]
    return Measure(
        name,
        "target",
        format_lazy(pgettext_lazy("report measure", "Target: {metric}"), metric=metric.label),
        metric.unit,
        format_lazy(
            gettext_lazy(
                "The targets set for {metric}, spread over the period day by day: each day counts its share of the "
                "finest target set for it (the month's, else the quarter's, else the year's), so a week's target "
                "is its seven days' share of the month's. By owner: the reps' own targets; by team: the teams'; "
                "the total is the target of the whole scope the reader sees (the company, their department or "
                "team, or themself), or the rows' sum where the report is narrowed to some owners or teams."
            ),
            metric=metric.label,
        ),
        metric,
    )


def _target_figures(measure: Measure, user, period: Period, dimensions: list, filters: dict) -> Figures:
    sight = Sight.of(user)
    spread = pro_rata(user, measure.source.name, period.start, period.end, sight)
    subject_dimension = next((each for each in dimensions if each in (OWNER, TEAM)), None)
    time_dimension = next((each for each in dimensions if each in TIME_GROUPINGS), None)
    kind = {OWNER: SubjectKind.REP, TEAM: SubjectKind.TEAM}.get(subject_dimension)
    narrowed = {
        SubjectKind.REP: filters.get(OWNER),
        SubjectKind.TEAM: filters.get(TEAM),
    }
    if kind is not None:
        subjects = [key for key in spread.subjects(kind) if not narrowed[kind] or key in narrowed[kind]]
    else:
        subjects = [sight.top()[1]]
        kind = sight.top()[0]
    buckets = (
        [
            (bucket, max(period.start, bucket), min(period.end, bucket_end(bucket, time_dimension)))
            for bucket in period.buckets(time_dimension)
        ]
        if time_dimension
        else [(None, period.start, period.end)]
    )
    labels = row_labels(subject_dimension, subjects) if subject_dimension else {}
    rows = []
    for key in subjects:
        for bucket, first, last in buckets:
            amount = spread.amount(kind, key, first, last)
            if amount is None:
                continue
            parts = {
                subject_dimension: (key, labels.get(key, "")),
                time_dimension: (
                    bucket.isoformat() if bucket else None,
                    bucket_label(bucket, time_dimension) if bucket else "",
                ),
            }
            ordered = [parts[each] for each in dimensions]
            row_key = tuple(part[0] for part in ordered) if len(ordered) > 1 else ordered[0][0]
            row_label = tuple(part[1] for part in ordered) if len(ordered) > 1 else ordered[0][1]
            rows.append((row_key, row_label, amount))
    rows.sort(key=lambda row: row[0] if len(dimensions) == 1 else tuple(str(part) for part in row[0]))
    if any(narrowed.values()):
        total = sum((row[2] for row in rows), Decimal("0.00")) if rows else None
    else:
        top_kind, top_key = sight.top()
        total = spread.amount(top_kind, top_key, period.start, period.end)
    return Figures(rows=rows, total=total)


MEASURE_KINDS: dict[str, MeasureKind] = {
    "metric": MeasureKind(
        find=_find_metric,
        visible_to=lambda measure, user: measure.source.visible_to(user),
        dimensions=lambda measure: measure.source.group_bys,
        figures=_metric_figures,
    ),
    "target": MeasureKind(
        find=_find_target,
        visible_to=lambda measure, user: measure.source.visible_to(user),
        dimensions=lambda measure: _TARGET_DIMENSIONS,
        figures=_target_figures,
    ),
}
TARGET_MEASURES = [f"{TARGET_PREFIX}{metric}" for metric in TargetMetric.values]


def measure_for(name) -> Measure | None:
    """The measure a report names `name`, of whichever kind knows it; None for none."""
    if not isinstance(name, str):
        return None
    return next((found for kind in MEASURE_KINDS.values() if (found := kind.find(name)) is not None), None)


def measures_for(user) -> list[Measure]:
    """Every measure `user` may put in a report, in their order."""
    found = [measure_for(name) for name in (*METRICS, *TARGET_MEASURES)]
    return [measure for measure in found if measure.visible_to(user) and measure.dimensions]


def measure_values(measure: Measure, user, period: Period, dimensions: list, filters: dict) -> Figures:
    """The one step from a measure to its figures: every kind's figures come through here."""
    return MEASURE_KINDS[measure.kind].figures(measure, user, period, dimensions, filters)


def _pair(key, dimensions: list) -> tuple:
    return tuple(key) if len(dimensions) > 1 else (key,)


def _drill(metric: str, period: Period, where: dict, filters: dict) -> str | None:
    """The list of the records behind one figure: the period (narrowed to a time row's bucket), the row's keys and
    the report's filters as the list's parameters; None where the list cannot say one of them (a filter of several
    keys, "no team", a grouping the list has no filter for)."""
    drill = DRILLS.get(metric)
    if drill is None or metric == "dso":
        return None
    start, end = period.start, period.end
    params = list(drill.fixed)
    narrowed = {grouping: [key] for grouping, key in where.items() if grouping not in TIME_GROUPINGS}
    for grouping, key in where.items():
        if grouping in TIME_GROUPINGS:
            bucket = datetime.date.fromisoformat(key)
            start, end = max(start, bucket), min(end, bucket_end(bucket, grouping))
    for grouping, keys in {**filters, **narrowed}.items():
        if grouping not in drill.groupings or len(keys) != 1 or keys[0] in (None, ""):
            return None
        params.append((drill.groupings[grouping], keys[0]))
    if drill.dates:
        params += [(drill.dates[0], start.isoformat()), (drill.dates[1], end.isoformat())]
    return f"{reverse(drill.url_name)}?{urlencode(params)}"


# --- running a report -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    keys: tuple
    labels: tuple
    values: list
    urls: list


@dataclass(frozen=True)
class ReportResult:
    """What a reader sees of a report: the period, the dimension and measure columns, the rows, the totals, and the
    measures left out because the reader may not see them."""

    period: Period
    dimensions: list
    measures: list
    rows: list
    totals: list
    total_urls: list
    hidden: list

    @property
    def lines(self) -> list[tuple]:
        """The table's lines for a page: (labels, [(value, unit, url) per measure])."""
        units = [measure.unit for measure in self.measures]
        return [(row.labels, list(zip(row.values, units, row.urls, strict=True))) for row in self.rows]

    @property
    def total_cells(self) -> list[tuple]:
        return list(zip(self.totals, [measure.unit for measure in self.measures], self.total_urls, strict=True))

    @property
    def columns(self) -> list[dict]:
        return [
            *({"name": name, "label": str(GROUPING_LABELS[name]), "type": "dimension"} for name in self.dimensions),
            *(
                {"name": measure.name, "label": str(measure.label), "type": "measure", "unit": measure.unit}
                for measure in self.measures
            ),
        ]


def report_filters(filters: dict) -> dict:
    """The grouping filters of a report's filters ({grouping: [keys]}), without its period."""
    return {grouping: list(filters[grouping]) for grouping in FILTER_GROUPINGS if filters.get(grouping)}


def run_report(report, user, *, start=None, end=None, today=None) -> ReportResult:
    """`report` (saved or not) as `user` reads it, over its period as of `today` (the company's today by default),
    or from `start` to `end`. Measures `user` may not see are left out (named in `hidden`)."""
    if start and end:
        errors = period_errors(start, end)
        if errors:
            raise ValidationError(errors)
        period = Period(start, end)
    else:
        period = report_period(report.filters, today or company_today())
    shown, hidden = [], []
    for name in report.measures:
        measure = measure_for(name)
        if measure is not None and measure.visible_to(user):
            shown.append(measure)
        else:
            hidden.append(name)
    dimensions, filters = list(report.dimensions), report_filters(report.filters)
    figures = [measure_values(measure, user, period, dimensions, filters) for measure in shown]
    # The rows of every measure, in the first one's order, then those only the others have.
    order, labels, values = [], {}, [{} for _measure in shown]
    for index, each in enumerate(figures):
        for key, label, value in each.rows:
            if key not in labels:
                order.append(key)
                labels[key] = label
            values[index][key] = value
    rows = [
        ReportRow(
            keys=_pair(key, dimensions),
            labels=_pair(labels[key], dimensions),
            values=[found.get(key) for found in values],
            urls=[each.url(key) for each in figures],
        )
        for key in order
    ]
    return ReportResult(
        period=period,
        dimensions=dimensions,
        measures=shown,
        rows=rows,
        totals=[each.total for each in figures],
        total_urls=[each.total_url for each in figures],
        hidden=hidden,
    )


# --- what a report looks like elsewhere: chart, download, notice ------------------------------------------------

# The series a chart by two groupings draws at most (the second grouping's largest keys); the table has them all.
CHART_SERIES = 8


def chart_config(result: ReportResult) -> dict | None:
    """What charts.js draws: by one grouping, a series per measure of the first measure's unit; by two, the first
    measure, a series per key of the second grouping. A line over time, bars otherwise. None without rows."""
    if not result.rows or not result.measures:
        return None
    first = result.measures[0]
    kind = "line" if result.dimensions[0] in TIME_GROUPINGS else "bar"
    if len(result.dimensions) == 1:
        columns = [index for index, measure in enumerate(result.measures) if measure.unit == first.unit]
        return {
            "kind": kind,
            "unit": first.unit,
            "horizontal": False,
            "palette": True,
            "categories": [row.labels[0] for row in result.rows],
            "series": [
                {
                    "name": str(result.measures[index].label),
                    "values": [row.values[index] for row in result.rows],
                    "urls": [row.urls[index] for row in result.rows],
                }
                for index in columns
            ],
        }
    categories, series, cells = {}, {}, {}
    for row in result.rows:
        categories.setdefault(row.keys[0], row.labels[0])
        series.setdefault(row.keys[1], [row.labels[1], 0])
        series[row.keys[1]][1] += row.values[0] or 0
        cells[row.keys] = row
    largest = sorted(series, key=lambda key: -series[key][1])[:CHART_SERIES]
    return {
        "kind": kind,
        "unit": first.unit,
        "horizontal": False,
        "palette": True,
        "categories": list(categories.values()),
        "series": [
            {
                "name": str(series[second][0]),
                "values": [
                    cells[(first_key, second)].values[0] if (first_key, second) in cells else None
                    for first_key in categories
                ],
                "urls": [
                    cells[(first_key, second)].urls[0] if (first_key, second) in cells else None
                    for first_key in categories
                ],
            }
            for second in sorted(largest, key=lambda key: str(series[key][0]))
        ],
    }


def _table(result: ReportResult) -> list[list]:
    """The header and every row, then the totals: the download's cells and the notice's lines."""
    header = [column["label"] for column in result.columns]
    lines = [[*row.labels, *row.values] for row in result.rows]
    blanks = [""] * (len(result.dimensions) - 1)
    return [header, *lines, [_("Total"), *blanks, *result.totals]]


def report_xlsx(result: ReportResult, name: str) -> HttpResponse:
    """The report as the reader sees it, as an XLSX download (core.exports, as every list's)."""
    header, *lines = _table(result)
    columns = [(title, lambda line, index=index: line[index]) for index, title in enumerate(header)]
    filename = f"{name}-{result.period.start.isoformat()}-{result.period.end.isoformat()}"
    return export_response(lines, columns, "xlsx", filename)


def report_text(result: ReportResult, limit: int = NOTICE_ROWS) -> str:
    """The report as a few lines of text for a notice: the first `limit` rows, how many were left out, the totals."""

    def line(labels, values):
        figures = "; ".join(
            f"{measure.label}: {figure(value, measure.unit)}"
            for measure, value in zip(result.measures, values, strict=True)
        )
        return f"{' · '.join(str(label) for label in labels)} — {figures}"

    text = [line(row.labels, row.values) for row in result.rows[:limit]]
    if len(result.rows) > limit:
        text.append(_("… and %(count)d more rows") % {"count": len(result.rows) - limit})
    text.append(line([_("Total")], result.totals))
    return "\n".join(text)

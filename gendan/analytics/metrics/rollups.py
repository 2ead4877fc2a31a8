"""Roll-ups: a part's figure per company day and owner, so that a metric over a year is a sum of a few thousand rows
instead of a million orders' lines (analytics.DailyFigure).

A part is rolled up when its records are seen by their owner alone (every scope is "whose records") and its
numerator and denominator add up across days and owners (sums and counts: a ratio's two sides each add up; a count
of distinct customers across days does not). A reader's figure
is then the sum of the rows of the owners in their scope, grouped by day (any time bucket), owner or the owner's team,
which `Metric.compute` reads instead of the records when nothing else is asked (no filter, no other grouping).

The figures are kept right by recounting, never by adding deltas: the same part, the same definition, over the days
that may have changed. Every event written names its record and its root (an order, a payment, a customer), and
`mark` keeps those that some rolled-up part is about (StaleRecord), in the event's transaction. Before figures are
read, `refresh` finds the days those records had in each part (a cancelled order's day, a reassigned order's
shipments' days) and recounts each such day whole, for every owner: a record that left the part, changed its owner or
its amount is counted as it is now. A day never moves (an order's confirmation, an invoice's issue, a payment's
receipt are set once), so the day found now is the day that was counted.

A part is used once built (`build`, run by the worker's job and by `manage.py build_rollups`) in the time zone its
days were counted in; until then, or after settings.TIME_ZONE changes, the metric reads its records as before.
"""

import functools
import operator
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateField, Exists, F, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from gendan.accounts.roles import DataScope
from gendan.accounts.scoping import owner_filter
from gendan.analytics.models import DailyFigure, RollupState, StaleRecord
from gendan.core.money import SummedMoney

from .groupings import OWNER, TEAM
from .periods import TIME_GROUPINGS, Period, bucket_case, company_zone

_CHUNK = 5_000
_DAY = "rollup_day"
_OWNER = "rollup_owner"


@dataclass(frozen=True)
class Rollup:
    """How a part is rolled up.

    `model`: the model of its records, read whole (cancelled orders too) to find the days a touched record had.
    `owner`: the path from a record to the person whose scope sees it, which is also the owner it is grouped by.
    `touches`: {model: path from a record to an instance of it}: the records an event about that instance (its
    object or its root) may have changed. `own_days`: {model: its date field}: for a model whose records may be
    deleted (a payment's allocations), the day is read from the instance the event was about. `column`: where the
    numerator is kept ("amount", "count" or "duration"), by default that of the metric's unit. `days_of`: for records
    no path leads to from what was touched (a stage's passages are events of their order), `days_of(touched)` gives
    the days of the records of the touched instances ({model: [ids]}) itself.
    """

    model: type
    owner: str
    touches: dict
    own_days: dict = field(default_factory=dict)
    column: str = ""
    days_of: object = None


_COLUMNS = {"money": "amount", "count": "count", "days": "duration"}


def column_of(metric, part) -> str:
    return part.rollup.column or _COLUMNS[metric.unit]


class _Everyone:
    """Whoever sees every record: the figures are everyone's, and each reader's scope is applied to their owners."""

    is_authenticated = True
    is_active = True
    data_scope = DataScope.ALL
    pk = None
    department_id = None


EVERYONE = _Everyone()


# (metric, part) for every rolled-up part, in the metrics' order: definitions.py registers them as it defines them.
_ROLLED: list = []


def register(metrics) -> None:
    _ROLLED[:] = [(metric, part) for metric in metrics for part in metric.parts if part.rollup is not None]
    _touched_types.cache_clear()


def rolled_parts() -> list:
    return list(_ROLLED)


def part_key(metric, part) -> str:
    return f"{metric.name}.{part.name}"


@functools.cache
def _touched_types() -> dict[int, type]:
    models = {model for _metric, part in rolled_parts() for model in (*part.rollup.touches, *part.rollup.own_days)}
    return {ContentType.objects.get_for_model(model).pk: model for model in models}


def mark(events) -> None:
    """Keep the records these events were about (and their roots) that some rolled-up part is about: one INSERT."""
    touched = _touched_types()
    found = set()
    for event in events:
        if event.content_type_id in touched:
            found.add((event.content_type_id, event.object_id))
        if event.root_type_id in touched:
            found.add((event.root_type_id, event.root_id))
    if found:
        StaleRecord.objects.bulk_create(StaleRecord(content_type_id=ct, object_id=pk) for ct, pk in sorted(found))


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolledPart:
    """A part read from its daily figures: the interface `Metric.compute` asks of a Part."""

    part: object
    column: str

    @property
    def name(self):
        return self.part.name

    @property
    def sign(self):
        return self.part.sign

    def in_period(self, figures, period: Period):
        return figures.filter(day__gte=period.start, day__lte=period.end)

    def key(self, group_by: str, period: Period | None = None):
        if group_by in TIME_GROUPINGS:
            case = bucket_case("day", period, group_by, moment=False) if period else None
            if case is not None:
                return case
            return Trunc("day", group_by, output_field=DateField())
        return F("owner") if group_by == OWNER else F("owner__department")

    def aggregates(self) -> dict:
        found = {
            "numerator": Sum(self.column, output_field=SummedMoney()) if self.column == "amount" else Sum(self.column)
        }
        if self.part.denominator is not None:
            found["denominator"] = Sum("denominator")
        return found


ROLLED_GROUPINGS = frozenset({*TIME_GROUPINGS, OWNER, TEAM})


def sources_for(metric, user, groupings, filters) -> list | None:
    """[(RolledPart, the reader's figures)] for each part of `metric`, or None when it is to be read from its records:
    a part not rolled up or not built, a filter, a grouping the figures do not hold."""
    if filters or not metric.parts or any(part.rollup is None for part in metric.parts):
        return None
    if not set(groupings) <= ROLLED_GROUPINGS:
        return None
    keys = [part_key(metric, part) for part in metric.parts]
    if not set(keys) <= ready_parts():
        return None
    if not (user.is_authenticated and user.is_active):
        figures = DailyFigure.objects.none()
    else:
        scope = owner_filter(user, "owner")
        figures = DailyFigure.objects.all() if scope is None else DailyFigure.objects.filter(scope)
    return [
        (RolledPart(part, column_of(metric, part)), figures.filter(part=key))
        for part, key in zip(metric.parts, keys, strict=True)
    ]


# The parts found ready for the page being made (`one_look`), or None: ask each time.
_looked: ContextVar[frozenset | None] = ContextVar("rollups_looked", default=None)


@contextmanager
def one_look():
    """Within the block, whether the figures are ready is asked once: a page of twenty metrics reads them all as of
    its first look (its own reads cannot make them stale)."""
    token = _looked.set(_ready_now())
    try:
        yield
    finally:
        _looked.reset(token)


def ready_parts() -> frozenset:
    """The parts built in today's time zone, their figures recounted for every record touched since: one query when
    nothing waits (none within `one_look`)."""
    looked = _looked.get()
    return looked if looked is not None else _ready_now()


def _ready_now() -> frozenset:
    states = list(
        RollupState.objects.filter(built_at__isnull=False, time_zone=str(company_zone())).annotate(
            stale=Exists(StaleRecord.objects.all())
        )
    )
    if any(state.stale for state in states):
        refresh()
    return frozenset(state.part for state in states)


# --- keeping ---------------------------------------------------------------------------------------


def _day_ranges(part, days) -> Q:
    """The records of `part` placed on any of `days` (each a range of the moment column, which its index serves)."""
    if part.day:
        return Q(**{f"{part.day}__in": sorted(days)})
    conditions = []
    for day in sorted(days):
        first, after = Period(day, day).moments()
        conditions.append(Q(**{f"{part.moment}__gte": first, f"{part.moment}__lt": after}))
    return functools.reduce(operator.or_, conditions)


def _figures(metric, part, records):
    """The DailyFigure rows of `records` (a part's, narrowed to some days)."""
    key = part_key(metric, part)
    column = column_of(metric, part)
    grouped = (
        records.order_by().values(**{_DAY: part.key("day"), _OWNER: F(part.rollup.owner)}).annotate(**part.aggregates())
    )
    return [
        DailyFigure(
            part=key,
            day=row[_DAY],
            owner_id=row[_OWNER],
            denominator=row.get("denominator") or 0,
            **{column: row["numerator"]},
        )
        for row in grouped
        if row["numerator"] or row.get("denominator")
    ]


def _recount(metric, part, days: set) -> None:
    key = part_key(metric, part)
    ordered = sorted(days)
    # A day computed per record (an order's last payment) is found through `narrow`'s index one day at a time: the
    # narrowing is a range, and days years apart would read the years between.
    size = 1 if part.narrow is not None else 100
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        DailyFigure.objects.filter(part=key, day__in=chunk).delete()
        records = part.records(EVERYONE)
        if part.narrow is not None:
            records = part.narrow(records, Period(chunk[0], chunk[-1]))
        records = records.filter(_day_ranges(part, chunk))
        DailyFigure.objects.bulk_create(_figures(metric, part, records), batch_size=_CHUNK)


def _days_touched(part, touched: dict[type, list[int]]) -> set:
    """The days `part` placed the touched records' records on (whatever their state now)."""
    days = set(part.rollup.days_of(touched)) if part.rollup.days_of is not None else _days_by_path(part, touched)
    days.discard(None)
    return days


def _days_by_path(part, touched: dict[type, list[int]]) -> set:
    days = set()
    day_key = part.key("day")
    for model, path in part.rollup.touches.items():
        ids = touched.get(model)
        if not ids:
            continue
        for start in range(0, len(ids), _CHUNK):
            related = part.rollup.model._base_manager.filter(**{f"{path}__in": ids[start : start + _CHUNK]})
            days.update(related.annotate(**{_DAY: day_key}).values_list(_DAY, flat=True).distinct().order_by())
    for model, date_field in part.rollup.own_days.items():
        ids = touched.get(model)
        for start in range(0, len(ids or ()), _CHUNK):
            days.update(
                model._base_manager.filter(pk__in=ids[start : start + _CHUNK]).values_list(date_field, flat=True)
            )
    return days


@transaction.atomic
def refresh() -> int:
    """Recount the days of every built part that the records touched since the last refresh had; returns how many
    records were read. Refreshes take turns on the states' rows (SQLite: the write lock), so that a slower one never
    writes older figures over a newer one's."""
    states = {state.part: state for state in RollupState.objects.select_for_update().order_by("pk")}
    stale = list(StaleRecord.objects.values_list("pk", "content_type_id", "object_id"))
    if not stale:
        return 0
    types = _touched_types()
    touched: dict[type, list[int]] = defaultdict(list)
    for _pk, content_type_id, object_id in stale:
        if content_type_id in types:
            touched[types[content_type_id]].append(object_id)
    zone = str(company_zone())
    for metric, part in rolled_parts():
        state = states.get(part_key(metric, part))
        if state is None or state.built_at is None or state.time_zone != zone:
            # Not built, or counted in another zone: its next build counts everything.
            continue
        days = _days_touched(part, touched)
        if days:
            _recount(metric, part, days)
    ids = [pk for pk, _ct, _id in stale]
    for start in range(0, len(ids), _CHUNK):
        StaleRecord.objects.filter(pk__in=ids[start : start + _CHUNK]).delete()
    return len(stale)


def build(*, force: bool = False) -> list[str]:
    """Count every part not built in today's time zone (every part, `force`) from all its records; returns the keys
    built. Each part in its own transaction, holding its state's row: writes go on meanwhile, and what they touch is
    recounted by the next refresh."""
    zone = str(company_zone())
    parts = rolled_parts()
    RollupState.objects.bulk_create(
        [RollupState(part=part_key(metric, part)) for metric, part in parts], ignore_conflicts=True
    )
    built = []
    for metric, part in parts:
        key = part_key(metric, part)
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(part=key)
            if not force and state.built_at is not None and state.time_zone == zone:
                continue
            DailyFigure.objects.filter(part=key).delete()
            DailyFigure.objects.bulk_create(_figures(metric, part, part.records(EVERYONE)), batch_size=_CHUNK)
            state.built_at, state.time_zone = timezone.now(), zone
            state.save(update_fields=["built_at", "time_zone"])
        built.append(key)
    return built

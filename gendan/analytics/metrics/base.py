"""A metric: one number, defined once, computed in the database over the records the reader sees.

A metric adds up one or more parts. A part is a set of records (a scoped queryset), the date that puts each record
in a period, what a group of them amounts to (the numerator, and for a ratio the denominator), and where each
grouping's key is found. `compute` asks the database for each part and period one aggregate (the total) and, grouped,
one GROUP BY (the rows), whatever the number of records; and once for the rows' labels.
"""

import datetime
import operator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import DateField, F, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils.translation import gettext as _

from . import rollups
from .groupings import GROUP_BYS, row_labels
from .periods import COMPARES, TIME_GROUPINGS, Period, bucket_case, company_today, company_zone, period_errors

MONEY, COUNT, PERCENT, DAYS = "money", "count", "percent", "days"
UNITS = (MONEY, COUNT, PERCENT, DAYS)

_TENTH = Decimal("0.1")
_MICROSECONDS_A_DAY = 86_400_000_000
_ZERO = {MONEY: Decimal("0.00"), COUNT: 0}


@dataclass(frozen=True)
class Part:
    """One set of records a metric adds up.

    `records(user)` is the scoped queryset, every other condition but the period; `moment` (a moment column) or
    `day` (a date column) is the path of the date that puts a record in a period, and a part with neither is counted
    as it stands now. `numerator` (and `denominator`, for a ratio) aggregate a group of records; `paths` say where
    each grouping's key is; those in `to_many` cross a one-to-many relation (an order's lines), so a record may fall
    in several groups. `sign` -1 takes the part off (refunds off what was collected).
    """

    name: str
    records: object
    numerator: object
    paths: dict
    moment: str = ""
    day: str = ""
    denominator: object = None
    to_many: tuple = ()
    sign: int = 1
    # For a date no index holds (an annotation: an order's last payment), `narrow(queryset, period)` first keeps
    # the records that may fall in the period by a condition an index serves, so that the date is computed for
    # those alone: every paid order of a million otherwise (32 s for a year on PostgreSQL).
    narrow: object = None
    # How the part is kept per day and owner (metrics.rollups), for one whose every scope is its records' owner and
    # whose number adds up over days and owners; None reads its records each time.
    rollup: object = None

    @property
    def dated(self) -> bool:
        return bool(self.moment or self.day)

    def in_period(self, queryset: QuerySet, period: Period) -> QuerySet:
        if self.narrow is not None:
            queryset = self.narrow(queryset, period)
        if self.moment:
            first, after = period.moments()
            return queryset.filter(**{f"{self.moment}__gte": first, f"{self.moment}__lt": after})
        if self.day:
            return queryset.filter(**{f"{self.day}__gte": period.start, f"{self.day}__lte": period.end})
        return queryset

    def key(self, group_by: str, period: Period | None = None):
        """The expression of a row's key: the bucket's first day (on the company's calendar), or the path's value.
        With `period` (the rows' own), a time bucket is found by comparisons where it has few (`bucket_case`)."""
        if group_by not in TIME_GROUPINGS:
            return F(self.paths[group_by])
        case = bucket_case(self.moment or self.day, period, group_by, moment=bool(self.moment)) if period else None
        if case is not None:
            return case
        if self.moment:
            return Trunc(self.moment, group_by, output_field=DateField(), tzinfo=company_zone())
        return Trunc(self.day, group_by, output_field=DateField())

    def condition(self, group_by: str, key) -> Q:
        """The records of one row (its drill-down)."""
        path = self.paths[group_by]
        return Q(**{f"{path}__isnull": True}) if key is None else Q(**{path: key})

    def restriction(self, group_by: str, keys) -> Q:
        """The records of any of the rows `keys` of `group_by` (a report's filter): those rows' conditions, or'ed."""
        found = [key for key in keys if key is not None]
        conditions = [Q(**{f"{self.paths[group_by]}__in": found})] if found else []
        if len(found) < len(keys):
            conditions.append(self.condition(group_by, None))
        return reduce(operator.or_, conditions)

    def aggregates(self) -> dict:
        found = {"numerator": self.numerator}
        if self.denominator is not None:
            found["denominator"] = self.denominator
        return found


@dataclass(frozen=True)
class Row:
    """One row; grouped by two groupings, its key and label are pairs (the first grouping's, the second's)."""

    key: object
    label: object
    value: object
    compare_value: object = None


@dataclass(frozen=True)
class Result:
    metric: "Metric"
    start: datetime.date
    end: datetime.date
    group_by: str | None
    compare: str | None
    rows: list
    total: object
    compare_total: object = None
    compare_start: datetime.date | None = None
    compare_end: datetime.date | None = None
    # The day a metric counted as it stands now was counted on (its period does not matter).
    as_of: datetime.date | None = None
    # Whether the rows add up to the total: not for ratios, nor where a record falls in several rows.
    rows_add_up: bool = False

    @property
    def change(self) -> Decimal | None:
        """The total against the compared period's: in percent of it for a sum, a count or days, in percentage
        points for a percentage (a rate going from 50 to 55 went up 5 points, not 10 %). None without a
        comparison, when either side is a ratio of nothing, or when the compared sum is zero (no percent of nothing).
        """
        if self.total is None or self.compare_total is None:
            return None
        if self.metric.unit == PERCENT:
            return self.total - self.compare_total
        if not self.compare_total:
            return None
        ratio = Decimal(self.total - self.compare_total) * 100 / abs(Decimal(self.compare_total))
        return ratio.quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Metric:
    """A number with its name, the sentence that defines it, its unit, who may see it and how it may be grouped.

    `permissions`: all needed to see it (the records' view permissions, and for margins the cost's).
    `overlapping`: the groupings in which one record may count in several rows (a customer buying in two months),
    so that the rows add up to more than the total.
    """

    name: str
    label: object
    definition: object
    unit: str
    parts: tuple = ()
    permissions: tuple = ()
    overlapping: frozenset = field(default_factory=frozenset)

    def __post_init__(self):
        assert self.unit in UNITS, self.unit
        assert all(part.denominator is not None for part in self.parts) == self.is_ratio, self.name

    @property
    def is_ratio(self) -> bool:
        return self.unit in (PERCENT, DAYS)

    @property
    def point_in_time(self) -> bool:
        """Counted as things stand now, whatever the period: nothing to group by time, nothing to compare with."""
        return not self.parts or not all(part.dated for part in self.parts)

    @property
    def group_bys(self) -> tuple:
        shared = set.intersection(*(set(part.paths) for part in self.parts)) if self.parts else set()
        if not self.point_in_time:
            shared |= set(TIME_GROUPINGS)
        return tuple(group_by for group_by in GROUP_BYS if group_by in shared)

    @property
    def compares(self) -> tuple:
        return () if self.point_in_time else COMPARES

    def visible_to(self, user) -> bool:
        return all(user.has_perm(permission) for permission in self.permissions)

    def records(self, user, start: datetime.date, end: datetime.date, *, part: str | None = None, **filters):
        """The records behind the number (of one `part`, the first by default), narrowed to the rows named by
        `filters` ({group_by: key}); a time bucket's records are those of a period narrowed to the bucket."""
        chosen = next((p for p in self.parts if part in (None, p.name)), None)
        if chosen is None:
            raise ValueError(f"{self.name} has no part {part!r}")
        queryset = chosen.in_period(chosen.records(user), Period(start, end))
        for group_by, key in filters.items():
            if group_by not in chosen.paths:
                raise ValidationError({group_by: [self._unsupported(group_by)]})
            queryset = queryset.filter(chosen.condition(group_by, key))
        return queryset.distinct() if set(filters) & set(chosen.to_many) else queryset

    def check(self, start, end, group_by, compare: str | None, filters: dict | None = None) -> None:
        errors = period_errors(start, end)
        groupings = _groupings(group_by)
        if len(groupings) > 2 or len(set(groupings)) < len(groupings):
            errors["group_by"] = [_("Group by one thing, or by two different things.")]
        else:
            unsupported = [each for each in groupings if each not in self.group_bys]
            if unsupported:
                errors["group_by"] = [self._unsupported(each) for each in unsupported]
        if compare is not None and compare not in self.compares:
            errors["compare"] = [self._incomparable(compare)]
        elif compare is not None and len(groupings) > 1:
            errors["compare"] = [_("Rows grouped by two things are not compared with another period.")]
        for each in filters or {}:
            if each in TIME_GROUPINGS or each not in self.group_bys:
                errors[each] = [self._unfiltered(each)]
        if errors:
            raise ValidationError(errors)

    def _incomparable(self, compare: str) -> str:
        if compare in COMPARES:
            return _("%(metric)s is counted as things stand now: it has no earlier period to compare with.") % {
                "metric": self.label
            }
        return _("Compare with the previous period or the same period last year.")

    def _unsupported(self, group_by: str) -> str:
        return _("%(metric)s cannot be grouped by %(group_by)s.") % {"metric": self.label, "group_by": group_by}

    def _unfiltered(self, group_by: str) -> str:
        return _("%(metric)s cannot be narrowed by %(group_by)s.") % {"metric": self.label, "group_by": group_by}

    def compute(
        self, user, start: datetime.date, end: datetime.date, group_by=None, compare=None, filters=None, limit=None
    ) -> Result:
        """The metric from `start` to `end` for `user`: its total and, `group_by` a grouping or a pair of them, its
        rows. `filters` ({grouping: [keys]}) keeps the records of those rows only, in the total as in the rows.
        `limit`: by one grouping other than time, only the largest rows (a chart's top ten), the others not named."""
        self.check(start, end, group_by, compare, filters)
        period = Period(start, end)
        other = period.compared(compare) if compare else None
        groupings = _groupings(group_by)
        # Each part's scope once: a department's is read from its tree of teams when asked for.
        sources = rollups.sources_for(self, user, groupings, filters) or [
            (part, self._narrowed(part, part.records(user), filters)) for part in self.parts
        ]
        rows, sums, compare_sums = [], None, None
        if len(groupings) == 2:
            rows = self._pairs(sources, period, groupings)
        elif group_by:
            current = self._grouped(sources, period, group_by)
            before = self._grouped(sources, other, group_by) if other else {}
            rows = self._rows(period, other, group_by, current, before, limit)
            if group_by not in self.overlapping and not any(group_by in part.to_many for part in self.parts):
                # Each record in one row: the groups' sums are the total's, with no second reading of the records.
                sums, compare_sums = _summed(current.values()), _summed(before.values()) if other else None
        return Result(
            metric=self,
            start=start,
            end=end,
            group_by=group_by,
            compare=compare,
            rows=rows,
            total=self._value(sums) if sums is not None else self._total(user, sources, period),
            compare_total=self._compare_total(user, sources, other, compare_sums),
            compare_start=other.start if other else None,
            compare_end=other.end if other else None,
            as_of=company_today() if self.point_in_time else None,
            rows_add_up=not self.is_ratio and not set(groupings) & self.overlapping,
        )

    def _compare_total(self, user, sources: list, other: Period | None, sums: list | None):
        if other is None:
            return None
        return self._value(sums) if sums is not None else self._total(user, sources, other)

    @staticmethod
    def _narrowed(part: Part, records: QuerySet, filters: dict | None) -> QuerySet:
        for group_by, keys in (filters or {}).items():
            records = records.filter(part.restriction(group_by, list(keys)))
        return records

    def _total(self, user, sources: list, period: Period):
        sums = [None, 0]
        for part, records in sources:
            found = part.in_period(records, period).order_by().aggregate(**part.aggregates())
            self._add(sums, part, found)
        return self._value(sums)

    def _grouped(self, sources: list, period: Period, *groupings: str) -> dict:
        """{key: [numerator, denominator]} over the parts; by two groupings the key is the pair of keys."""
        groups: dict = {}
        names = [f"group_key{index}" for index in range(len(groupings))]
        for part, records in sources:
            keys = {name: part.key(group_by, period) for name, group_by in zip(names, groupings, strict=True)}
            for found in part.in_period(records, period).order_by().values(**keys).annotate(**part.aggregates()):
                key = tuple(found[name] for name in names) if len(names) > 1 else found[names[0]]
                self._add(groups.setdefault(key, [None, 0]), part, found)
        return groups

    def _pairs(self, sources: list, period: Period, groupings: tuple) -> list[Row]:
        """The rows by two groupings: the pairs that hold records (not every pair of keys: a month of every
        customer), in the first grouping's order, then the second's; time in order, anything else by name."""
        current = self._grouped(sources, period, *groupings)
        labels = [row_labels(group_by, {key[index] for key in current}) for index, group_by in enumerate(groupings)]

        def order(key):
            return tuple(
                (part.isoformat(),) if group_by in TIME_GROUPINGS else (labels[index][part], str(part))
                for index, (group_by, part) in enumerate(zip(groupings, key, strict=True))
            )

        return [
            Row(
                key=tuple(
                    part.isoformat() if group_by in TIME_GROUPINGS else part
                    for group_by, part in zip(groupings, key, strict=True)
                ),
                label=tuple(labels[index][part] for index, part in enumerate(key)),
                value=self._value(current[key]),
            )
            for key in sorted(current, key=order)
        ]

    def _rows(
        self, period: Period, other: Period | None, group_by: str, current: dict, before: dict, limit: int | None
    ) -> list[Row]:
        if group_by in TIME_GROUPINGS:
            keys = period.buckets(group_by)
            # Month k of the period against month k of the one compared with.
            counterparts = dict(zip(keys, other.buckets(group_by), strict=False)) if other else {}
            labels = row_labels(group_by, keys)
            return [
                Row(
                    key=key.isoformat(),
                    label=labels[key],
                    value=self._value(current.get(key)),
                    compare_value=self._value(before.get(counterparts[key])) if key in counterparts else None,
                )
                for key in keys
            ]
        values = {key: self._value(current.get(key)) for key in current.keys() | before.keys()}

        def largest(key):
            # The largest first; rows without a value (a ratio of nothing) last.
            return values[key] is None, -(values[key] or 0)

        keys = sorted(values, key=largest)
        if limit is not None and len(keys) > limit:
            # Named are the first `limit` and those tied with the last of them, which their names order.
            last = largest(keys[limit - 1])
            keys = [key for index, key in enumerate(keys) if index < limit or largest(key) == last]
        labels = row_labels(group_by, keys)
        rows = [
            Row(
                key=key,
                label=labels[key],
                value=values[key],
                compare_value=self._value(before.get(key)) if other else None,
            )
            for key in keys
        ]
        rows.sort(key=lambda row: (*largest(row.key), row.label, str(row.key)))
        return rows if limit is None else rows[:limit]

    @staticmethod
    def _add(sums: list, part: Part, found: dict) -> None:
        if found["numerator"] is not None:
            signed = part.sign * found["numerator"]
            sums[0] = signed if sums[0] is None else sums[0] + signed
        sums[1] += found.get("denominator") or 0

    def _value(self, sums: list | None):
        """The number of a group from its sums: a sum or a count as it is, a ratio from its numerator and denominator
        (None when there is nothing to divide by)."""
        numerator, denominator = sums or (None, 0)
        if not self.is_ratio:
            return (numerator or 0) + _ZERO[self.unit]
        if not denominator:
            return None
        if self.unit == PERCENT:
            ratio = Decimal(numerator or 0) * 100 / Decimal(denominator)
        else:
            microseconds = numerator // datetime.timedelta(microseconds=1) if numerator else 0
            ratio = Decimal(microseconds) / _MICROSECONDS_A_DAY / Decimal(denominator)
        return ratio.quantize(_TENTH, rounding=ROUND_HALF_UP)


def _summed(groups) -> list:
    """The [numerator, denominator] of several groups together."""
    sums = [None, 0]
    for numerator, denominator in groups:
        if numerator is not None:
            sums[0] = numerator if sums[0] is None else sums[0] + numerator
        sums[1] += denominator
    return sums


def _groupings(group_by) -> tuple:
    """`group_by` as a tuple of groupings: none, one (a name) or a pair."""
    if group_by is None:
        return ()
    return (group_by,) if isinstance(group_by, str) else tuple(group_by)

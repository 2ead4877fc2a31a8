"""Periods: whole days in the company's time zone, what a period is compared with, and its time buckets."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, DateField, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gendan.core.bounds import date_errors

# A metric is asked for at most this many days at once (five years and a leap day).
MAX_PERIOD_DAYS = 5 * 365 + 1

PREVIOUS = "previous"
LAST_YEAR = "last_year"
COMPARES = (PREVIOUS, LAST_YEAR)

MONTH, WEEK, DAY = "month", "week", "day"
TIME_GROUPINGS = (MONTH, WEEK, DAY)

_ONE_DAY = datetime.timedelta(days=1)


def company_zone() -> zoneinfo.ZoneInfo:
    """Every period is counted in the company's days (settings.TIME_ZONE), whoever asks and from wherever."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def company_today() -> datetime.date:
    return timezone.localdate(timezone=company_zone())


def one_year_earlier(day: datetime.date) -> datetime.date:
    """The same date a year before; 29 February falls on the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start's midnight, the midnight after end) in the company's time zone: what a moment column is compared with."""
        zone = company_zone()
        first = datetime.datetime.combine(self.start, datetime.time(), tzinfo=zone)
        after = datetime.datetime.combine(self.end + _ONE_DAY, datetime.time(), tzinfo=zone)
        return first, after

    def compared(self, compare: str) -> "Period":
        if compare == PREVIOUS:
            return Period(self.start - datetime.timedelta(days=self.days), self.start - _ONE_DAY)
        return Period(one_year_earlier(self.start), one_year_earlier(self.end))

    def buckets(self, kind: str) -> list[datetime.date]:
        """The first day of each month, ISO week (from Monday) or day the period touches, in order."""
        found, day = [], bucket_of(self.start, kind)
        while day <= self.end:
            found.append(day)
            day = _next_bucket(day, kind)
        return found


def period_errors(start: datetime.date, end: datetime.date) -> dict:
    """{field: messages} for a period no metric is asked for: outside the calendar, backwards, or too long."""
    errors = date_errors({"start": start, "end": end})
    if errors:
        return errors
    if end < start:
        return {"end": [_("The end cannot be before the start.")]}
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return {"end": [_("A period is at most five years long.")]}
    return {}


def bucket_of(day: datetime.date, kind: str) -> datetime.date:
    if kind == MONTH:
        return day.replace(day=1)
    if kind == WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day


def bucket_end(day: datetime.date, kind: str) -> datetime.date:
    """The last day of the bucket that starts on `day`: the month's last day, the week's Sunday, the day itself."""
    return _next_bucket(day, kind) - _ONE_DAY


def _next_bucket(day: datetime.date, kind: str) -> datetime.date:
    if kind == MONTH:
        return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day + datetime.timedelta(days=7 if kind == WEEK else 1)


def bucket_label(day: datetime.date, kind: str) -> str:
    if kind == MONTH:
        return date_format(day, "YEAR_MONTH_FORMAT")
    if kind == WEEK:
        return _("Week of %(monday)s") % {"monday": date_format(day, "DATE_FORMAT")}
    return date_format(day, "DATE_FORMAT")


# A period of at most this many buckets is bucketed by comparing the date with the buckets' boundaries (`bucket_case`):
# Trunc is, on SQLite, a Python function Django registers, called once per row (1.2 s for a year's 200,000 orders by
# month). More buckets (days over a long period) would make the comparisons dearer than the function.
CASE_BUCKETS = 64


def bucket_case(path: str, period: Period, kind: str, *, moment: bool):
    """The first day of the bucket of `kind` that `path` (a moment column if `moment`, else a date column) falls in,
    for rows within `period`, as a CASE of comparisons with the buckets' boundaries; None when the period has more
    than CASE_BUCKETS of them."""
    buckets = period.buckets(kind)
    if len(buckets) > CASE_BUCKETS:
        return None
    zone = company_zone()

    def boundary(day):
        return datetime.datetime.combine(day, datetime.time(), tzinfo=zone) if moment else day

    whens = [
        When(**{f"{path}__lt": boundary(after)}, then=Value(day))
        for day, after in zip(buckets, buckets[1:], strict=False)
    ]
    return Case(*whens, default=Value(buckets[-1]), output_field=DateField())

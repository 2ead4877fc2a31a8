"""The business calendar: working days and hours, for deadlines counted in business hours.

A calendar is a weekly pattern (working weekdays, work_start–work_end in its own time zone)
plus CalendarDay exceptions: holidays off, and weekend days worked instead (调休). The default
calendar follows the mainland China working week, with the holidays and adjusted working days
the `chinese_calendar` package knows, as editable CalendarDay rows.

Each process keeps a calendar's days (the exceptions) in memory, keyed by the calendar's `revision`, so a
deadline computation costs no query per day or hour walked. Every change to a CalendarDay gives
its calendar a new revision (a fresh UUID: never repeated, unlike a timestamp under a frozen
clock or an id reused after a rollback), which makes every process reload on next use.
"""

import dataclasses
import datetime
import threading
import uuid
import zoneinfo

from chinese_calendar import constants
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .models import BusinessCalendar, CalendarDay

# A calendar with no working time at all would make the walk below run forever; a deadline
# more than this many days ahead is a configuration error, not a deadline.
MAX_DAYS_WALKED = 3660

DEFAULT_NAME = _("Mainland China working week")
DEFAULT_WEEKDAYS = [1, 2, 3, 4, 5]
DEFAULT_WORK_START = datetime.time(9, 0)
DEFAULT_WORK_END = datetime.time(18, 0)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


@dataclasses.dataclass(frozen=True)
class _Pattern:
    """What the walk needs from a calendar, loaded once per revision."""

    weekdays: frozenset[int]
    start: datetime.time
    end: datetime.time
    tz: zoneinfo.ZoneInfo
    exceptions: dict[datetime.date, bool]

    def is_working(self, day: datetime.date) -> bool:
        return self.exceptions.get(day, day.isoweekday() in self.weekdays)

    def window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The day's working time as aware datetimes, or None on a day off."""
        if not self.is_working(day):
            return None
        return (
            datetime.datetime.combine(day, self.start, tzinfo=self.tz),
            datetime.datetime.combine(day, self.end, tzinfo=self.tz),
        )


_cache: dict[int, tuple[uuid.UUID, dict[datetime.date, bool]]] = {}
_cache_lock = threading.Lock()


def _exceptions(calendar: BusinessCalendar) -> dict[datetime.date, bool]:
    with _cache_lock:
        cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.revision:
        return cached[1]
    days = dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "is_working"))
    with _cache_lock:
        _cache[calendar.pk] = (calendar.revision, days)
    return days


def _pattern(calendar: BusinessCalendar) -> _Pattern:
    # Hours and weekdays come from the row in hand; only the days are cached.
    if calendar.work_start >= calendar.work_end:
        raise ValueError(f"Business calendar {calendar.pk}: work must start before it ends.")
    return _Pattern(
        weekdays=frozenset(calendar.working_weekdays),
        start=calendar.work_start,
        end=calendar.work_end,
        tz=zoneinfo.ZoneInfo(calendar.time_zone),
        exceptions=_exceptions(calendar),
    )


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _calendar_day_changed(sender, instance, **kwargs):
    # Cache invalidation, not domain flow: every path that edits a day (admin inline, shell,
    # a service) must make the calendar's deadlines follow, here and in every other process.
    BusinessCalendar.objects.filter(pk=instance.calendar_id).update(revision=uuid.uuid4())
    with _cache_lock:
        _cache.pop(instance.calendar_id, None)


def china_exceptions() -> dict[datetime.date, tuple[bool, str]]:
    """{date: (is_working, note)} for every holiday and adjusted working day chinese_calendar knows."""
    days = {day: (False, str(name)) for day, name in constants.holidays.items()}
    days.update({day: (True, f"{name} (调休)") for day, name in constants.workdays.items()})
    return days


def default_calendar() -> BusinessCalendar:
    """The default calendar, created on first use with China's public holidays and 调休 days."""
    calendar = BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(
                name=str(DEFAULT_NAME),
                is_default=True,
                working_weekdays=DEFAULT_WEEKDAYS,
                work_start=DEFAULT_WORK_START,
                work_end=DEFAULT_WORK_END,
                time_zone=DEFAULT_TIME_ZONE,
            )
            CalendarDay.objects.bulk_create(
                CalendarDay(calendar=calendar, date=day, is_working=working, note=note[:100])
                for day, (working, note) in sorted(china_exceptions().items())
            )
    except IntegrityError:
        # Another process created it first (one_default_calendar): use theirs.
        return BusinessCalendar.objects.get(is_default=True)
    return calendar


def _resolve(calendar: BusinessCalendar | None) -> _Pattern:
    return _pattern(calendar if calendar is not None else default_calendar())


def is_working_day(date: datetime.date, calendar: BusinessCalendar | None = None) -> bool:
    return _resolve(calendar).is_working(date)


def add_business_hours(
    start: datetime.datetime, hours: float, calendar: BusinessCalendar | None = None
) -> datetime.datetime:
    """The moment `hours` working hours after `start` (before it, for negative hours).

    Time outside working hours does not count: 2 hours from Friday 17:00 is Monday 10:00.
    A deadline that uses up a day's last hour exactly falls at that day's end (18:00), not the
    next morning. Zero hours is `start` itself, working time or not. The result is in the
    calendar's time zone.
    """
    pattern = _resolve(calendar)
    local = start.astimezone(pattern.tz)
    if hours == 0:
        return local
    remaining = datetime.timedelta(hours=abs(hours))
    forward = hours > 0
    day = local.date()
    for _step in range(MAX_DAYS_WALKED):
        window = pattern.window(day)
        if window is not None:
            # The part of today's working time on the right side of `local`.
            begin, end = (max(window[0], local), window[1]) if forward else (window[0], min(window[1], local))
            if begin < end:
                available = end - begin
                if remaining <= available:
                    moment = begin + remaining if forward else end - remaining
                    # Through UTC, so a daylight-saving change inside the window can't skew the sum.
                    return moment.astimezone(datetime.UTC).astimezone(pattern.tz)
                remaining -= available
        day += datetime.timedelta(days=1 if forward else -1)
    raise ValueError(f"No working time within {MAX_DAYS_WALKED} days of {start.isoformat()}.")


def business_hours_between(
    a: datetime.datetime, b: datetime.datetime, calendar: BusinessCalendar | None = None
) -> float:
    """Working hours from `a` to `b` (negative when `b` is earlier)."""
    if b < a:
        return -business_hours_between(b, a, calendar)
    pattern = _resolve(calendar)
    a, b = a.astimezone(pattern.tz), b.astimezone(pattern.tz)
    total = datetime.timedelta()
    day = a.date()
    while day <= b.date():
        window = pattern.window(day)
        if window is not None:
            begin, end = max(window[0], a), min(window[1], b)
            if begin < end:
                total += end - begin
        day += datetime.timedelta(days=1)
    return total.total_seconds() / 3600


def at_risk_time(
    created_at: datetime.datetime, due_at: datetime.datetime, calendar: BusinessCalendar | None = None
) -> datetime.datetime | None:
    """When a task due at `due_at` becomes at risk: 80 % of its time gone, or one working hour
    before it is due, whichever is later. None when it was due before it was created."""
    if due_at <= created_at:
        return None
    eighty_percent = created_at + (due_at - created_at) * 0.8
    last_working_hour = add_business_hours(due_at, -1, calendar)
    return max(eighty_percent, last_working_hour)

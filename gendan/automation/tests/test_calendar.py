"""The business calendar: working days, hours, China's holidays and adjusted working days (调休)."""

import datetime
import uuid
import zoneinfo

import pytest

from gendan.automation import calendar
from gendan.automation.models import BusinessCalendar, CalendarDay

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def cal(db):
    return calendar.default_calendar()


def test_default_calendar_is_created_once_with_china_holidays_and_adjusted_days(db):
    # when
    first = calendar.default_calendar()
    second = calendar.default_calendar()

    # then
    assert first.pk == second.pk
    assert BusinessCalendar.objects.count() == 1
    assert (first.working_weekdays, first.work_start, first.work_end, first.time_zone) == (
        [1, 2, 3, 4, 5],
        datetime.time(9),
        datetime.time(18),
        "Asia/Shanghai",
    )
    national_day = CalendarDay.objects.get(calendar=first, date=datetime.date(2025, 10, 1))
    assert (national_day.is_working, national_day.note) == (False, "National Day")
    adjusted = CalendarDay.objects.get(calendar=first, date=datetime.date(2025, 10, 11))
    assert (adjusted.is_working, adjusted.note) == (True, "National Day (调休)")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2025, 11, 14), True),  # a Friday
        (datetime.date(2025, 11, 15), False),  # a Saturday
        (datetime.date(2025, 11, 16), False),  # a Sunday
        (datetime.date(2025, 10, 1), False),  # National Day, a Wednesday
        (datetime.date(2025, 10, 8), False),  # the last day of the Golden Week, a Wednesday
        (datetime.date(2025, 10, 11), True),  # a Saturday worked instead (调休)
        (datetime.date(2025, 9, 28), True),  # a Sunday worked instead (调休)
    ],
)
def test_is_working_day(cal, day, working):
    assert calendar.is_working_day(day, cal) is working


def test_is_working_day_uses_the_default_calendar_when_none_is_given(cal):
    assert calendar.is_working_day(datetime.date(2025, 10, 11)) is True
    assert calendar.is_working_day(datetime.date(2025, 10, 2)) is False


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Within one day.
        (at(2025, 11, 13, 10, 0), 2, at(2025, 11, 13, 12, 0)),
        # Using up the day's last hour ends at 18:00, not the next morning.
        (at(2025, 11, 13, 17, 0), 1, at(2025, 11, 13, 18, 0)),
        # Across a night: Thursday 17:00 + 3 h = Friday 11:00.
        (at(2025, 11, 13, 17, 0), 3, at(2025, 11, 14, 11, 0)),
        # Across a night and a weekend: Friday 17:00 + 3 h = Monday 11:00.
        (at(2025, 11, 14, 17, 0), 3, at(2025, 11, 17, 11, 0)),
        # Starting in the evening counts from the next morning.
        (at(2025, 11, 13, 21, 30), 1.5, at(2025, 11, 14, 10, 30)),
        # Starting on a Saturday counts from Monday.
        (at(2025, 11, 15, 10, 0), 4, at(2025, 11, 17, 13, 0)),
        # A full working day is nine hours: Monday 09:00 + 18 h = Tuesday 18:00.
        (at(2025, 11, 17, 9, 0), 18, at(2025, 11, 18, 18, 0)),
        # Over the Golden Week: Tuesday 30 Sep 17:00 + 2 h skips 1–8 Oct and the weekend
        # day off, landing on Thursday 9 Oct 10:00.
        (at(2025, 9, 30, 17, 0), 2, at(2025, 10, 9, 10, 0)),
        # Friday 10 Oct 17:00 + 2 h = the adjusted working Saturday 11 Oct, 10:00.
        (at(2025, 10, 10, 17, 0), 2, at(2025, 10, 11, 10, 0)),
        # Zero hours is the start itself, working time or not.
        (at(2025, 11, 15, 23, 0), 0, at(2025, 11, 15, 23, 0)),
        # Backwards: one working hour before Monday 09:30 is Friday 17:30.
        (at(2025, 11, 17, 9, 30), -1, at(2025, 11, 14, 17, 30)),
    ],
)
def test_add_business_hours(cal, start, hours, expected):
    result = calendar.add_business_hours(start, hours, cal)
    assert result == expected
    assert result.tzinfo == SH


def test_add_business_hours_accepts_utc_and_answers_in_the_calendars_zone(cal):
    # Friday 17:00 in Shanghai is 09:00 UTC.
    start = datetime.datetime(2025, 11, 14, 9, 0, tzinfo=datetime.UTC)
    assert calendar.add_business_hours(start, 3, cal) == at(2025, 11, 17, 11, 0)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (at(2025, 11, 13, 10, 0), at(2025, 11, 13, 12, 30), 2.5),
        # Friday 17:00 → Monday 11:00: one hour on Friday, two on Monday.
        (at(2025, 11, 14, 17, 0), at(2025, 11, 17, 11, 0), 3.0),
        # Entirely outside working time.
        (at(2025, 11, 15, 8, 0), at(2025, 11, 16, 20, 0), 0.0),
        # The Golden Week (1–8 Oct) counts nothing; the adjusted Saturday counts a full day.
        (at(2025, 9, 30, 9, 0), at(2025, 10, 11, 18, 0), 9.0 * 4),
        # Reversed order gives a negative count.
        (at(2025, 11, 13, 12, 0), at(2025, 11, 13, 10, 0), -2.0),
    ],
)
def test_business_hours_between(cal, a, b, hours):
    assert calendar.business_hours_between(a, b, cal) == hours


def test_business_hours_between_inverts_add_business_hours(cal):
    start = at(2025, 9, 26, 15, 20)
    end = calendar.add_business_hours(start, 30.25, cal)
    assert calendar.business_hours_between(start, end, cal) == 30.25


def test_a_new_holiday_applies_at_once_and_removing_it_restores_the_day(cal):
    # given a Monday the cache already knows as a working day
    monday = datetime.date(2025, 11, 17)
    assert calendar.is_working_day(monday, cal) is True

    # when it becomes a company holiday
    day = CalendarDay.objects.create(calendar=cal, date=monday, is_working=False, note="Company outing")

    # then deadlines skip it, for the row in hand and for a freshly loaded one
    assert calendar.is_working_day(monday, cal) is False
    assert calendar.add_business_hours(at(2025, 11, 14, 17, 0), 3, calendar.default_calendar()) == at(
        2025, 11, 18, 11, 0
    )
    day.delete()
    assert calendar.is_working_day(monday, calendar.default_calendar()) is True


def test_computations_do_not_query_per_day_walked(cal, django_assert_num_queries):
    calendar.is_working_day(datetime.date(2025, 1, 1), cal)  # warm the cache
    with django_assert_num_queries(0):
        end = calendar.add_business_hours(at(2025, 1, 2, 9, 0), 9 * 200, cal)
        calendar.business_hours_between(at(2025, 1, 2, 9, 0), end, cal)


def test_another_process_sees_a_changed_calendar_by_its_revision(cal):
    # given this process cached the calendar's days
    monday = datetime.date(2025, 11, 17)
    assert calendar.is_working_day(monday, cal) is True
    # when another process adds a holiday (no signal here: the row is written behind our back)
    CalendarDay.objects.bulk_create([CalendarDay(calendar=cal, date=monday, is_working=False)])
    assert calendar.is_working_day(monday, cal) is True
    BusinessCalendar.objects.filter(pk=cal.pk).update(revision=uuid.uuid4())

    # then the next computation with the calendar re-read from the database follows it
    assert calendar.is_working_day(monday, calendar.default_calendar()) is False


def test_a_calendar_with_its_own_hours_and_weekdays(db):
    # A six-day week, 08:30–17:30 (no exceptions).
    six_days = BusinessCalendar.objects.create(
        name="Factory",
        working_weekdays=[1, 2, 3, 4, 5, 6],
        work_start=datetime.time(8, 30),
        work_end=datetime.time(17, 30),
    )
    assert calendar.add_business_hours(at(2025, 11, 14, 17, 0), 3, six_days) == at(2025, 11, 15, 11, 0)
    assert calendar.is_working_day(datetime.date(2025, 11, 16), six_days) is False


def test_a_calendar_without_working_time_is_refused(db):
    never = BusinessCalendar.objects.create(
        name="Never", working_weekdays=[], work_start=datetime.time(9), work_end=datetime.time(18)
    )
    with pytest.raises(ValueError, match="No working time"):
        calendar.add_business_hours(at(2025, 11, 14, 17, 0), 1, never)


@pytest.mark.parametrize(
    ("created", "due", "expected"),
    [
        # Ten days ahead: one working hour before due (Wed 17:00) is later than 80 % (Tue 09:00).
        (at(2025, 11, 3, 9, 0), at(2025, 11, 13, 9, 0), at(2025, 11, 12, 17, 0)),
        # Two hours ahead: 80 % of the time (17:36) is later than one working hour before (17:00).
        (at(2025, 11, 13, 16, 0), at(2025, 11, 13, 18, 0), at(2025, 11, 13, 17, 36)),
        # Due Monday 10:00, created Friday 17:00: not Sunday 21:00 (80 %) but Monday 09:00.
        (at(2025, 11, 14, 17, 0), at(2025, 11, 17, 10, 0), at(2025, 11, 17, 9, 0)),
        # Due before it was created: never at risk, already late.
        (at(2025, 11, 13, 16, 0), at(2025, 11, 13, 15, 0), None),
    ],
)
def test_at_risk_time(cal, created, due, expected):
    assert calendar.at_risk_time(created, due, cal) == expected


# --- the admin screens ----------------------------------------------------------------------------


@pytest.fixture
def staff(personas):
    admin_user = personas["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_the_calendar_admin_shows_the_default_calendar_from_the_first_look(client, staff):
    client.force_login(staff)
    response = client.get("/admin/automation/businesscalendar/")
    assert response.status_code == 200
    assert BusinessCalendar.objects.filter(is_default=True).count() == 1


def test_the_calendar_admin_refuses_hours_that_end_before_they_start(client, staff, english):
    client.force_login(staff)
    response = client.post(
        "/admin/automation/businesscalendar/add/",
        {
            "name": "Night",
            "working_weekdays": "[1, 2, 8]",
            "work_start": "18:00",
            "work_end": "09:00",
            "time_zone": "Mars/Olympus",
            "days-TOTAL_FORMS": "0",
            "days-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "working_weekdays": ["Give a list of weekday numbers from 1 (Monday) to 7 (Sunday)."],
        "time_zone": ["Not a known time zone, e.g. Asia/Shanghai."],
        "work_end": ["Work must end after it starts."],
    }
    assert not BusinessCalendar.objects.exists()


def test_adding_a_holiday_in_the_admin_moves_deadlines(client, staff):
    cal = calendar.default_calendar()
    assert calendar.is_working_day(datetime.date(2025, 11, 17), cal) is True
    client.force_login(staff)
    response = client.post(
        f"/admin/automation/businesscalendar/{cal.pk}/change/",
        {
            "name": cal.name,
            "is_default": "on",
            "working_weekdays": "[1, 2, 3, 4, 5]",
            "work_start": "09:00",
            "work_end": "18:00",
            "time_zone": "Asia/Shanghai",
            "days-TOTAL_FORMS": "1",
            "days-INITIAL_FORMS": "0",
            "days-0-date": "2025-11-17",
            "days-0-is_working": "",
            "days-0-note": "Company outing",
        },
    )
    assert response.status_code == 302
    assert calendar.is_working_day(datetime.date(2025, 11, 17), calendar.default_calendar()) is False

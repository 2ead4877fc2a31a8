"""What a value must stay within to be stored and compared: numbers that fit their column, dates in a sane range.

Checked where a value comes in — the services, so pages, API and imports share the check —
and before anything is written: a value the database cannot hold would fail the write half-way
or, on SQLite (which stores what it is given), fail every later read of the row.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Whole numbers (ids) every backend's 64-bit integer columns hold.
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1

# Before and after any date the business has; far enough from year 1 and year 9999 that no
# shift between time zones can take a moment out of what Python and the databases represent.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)

# Dates a document plans (promised, due, follow-up, meeting): not before the system could have
# been used, nor further ahead than anyone plans.
PLANNED_FROM = datetime.date(2000, 1, 1)
PLANNED_YEARS_AHEAD = 10


def id_from(value) -> int | None:
    """An id as typed in a URL or a form: a whole number from 1 to BIGINT_MAX in ASCII digits, else None.

    str.isdigit() alone lets through "²" (which int() refuses) and numbers no database column holds.
    """
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= BIGINT_MAX else None


def decimal_problems(model, name: str, value) -> list[str]:
    """What keeps `value` out of `model`'s decimal field `name` (too many digits, not a number); [] if it fits."""
    field = model._meta.get_field(name)
    try:
        number = field.to_python(value)
    except ValidationError as exc:
        return exc.messages
    if number is None:
        return []
    try:
        DecimalValidator(field.max_digits, field.decimal_places)(number)
    except ValidationError as exc:
        return exc.messages
    return []


def largest(model, name: str) -> Decimal:
    """The largest value `model`'s decimal field `name` holds (999…9.99 for max_digits=14, decimal_places=2)."""
    field = model._meta.get_field(name)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(1).scaleb(-field.decimal_places)


# The most records one action on a selection (assign, export, print) takes: people select on a page of a list,
# and each record of an assignment is its own transaction.
MAX_SELECTION = 200


def selected_ids(values) -> list[int]:
    """The ids of a selection as sent (form values, JSON numbers), each once, in the order given.

    Refused as one message (the caller keys it by its field): a value that is not an id, an empty
    selection, or more than MAX_SELECTION.
    """
    ids: dict[int, None] = {}
    for value in values:
        if isinstance(value, bool):
            pk = None
        elif isinstance(value, int):
            pk = value if 1 <= value <= BIGINT_MAX else None
        else:
            pk = id_from(value)
        if pk is None:
            raise ValidationError(_("“%(value)s” is not the id of a record.") % {"value": str(value)[:20]})
        ids[pk] = None
    if not ids:
        raise ValidationError(_("Select at least one."))
    if len(ids) > MAX_SELECTION:
        raise ValidationError(
            _("Select at most %(most)s at a time (%(count)s are selected).")
            % {"most": MAX_SELECTION, "count": len(ids)}
        )
    return list(ids)


def too_many_lines(most: int) -> str:
    """The refusal of a document with more than `most` lines, the same from the services and the API's input."""
    return _("A document holds at most %(most)s lines; split it into several.") % {"most": most}


# --- dates -------------------------------------------------------------------------------------


def _as_date(value) -> datetime.date | None:
    """The day of a date or moment (on the user's clock), None if its year is out of range."""
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        # Checked first: converting a moment at the ends of the calendar to another zone overflows.
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def date_problems(value, *, not_in_future: bool = False, planned: bool = False) -> list[str]:
    """What is wrong with a date (or moment) a user gave; [] if nothing.

    Every date stays within EARLIEST_DATE..LATEST_DATE. `not_in_future`: something that has
    happened (money received, goods shipped or signed for) is not after today. `planned`:
    a date ahead (promised, due, a follow-up, a meeting) is from 2000 to ten years ahead.
    """
    if value is None:
        return []
    day = _as_date(value)
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        return [_("Enter a date between %(start)s and %(end)s.") % _range(EARLIEST_DATE, LATEST_DATE)]
    today = timezone.localdate()
    if not_in_future and day > today:
        return [_("This cannot be later than today (%(today)s).") % {"today": date_format(today, "Y-m-d")}]
    if planned:
        latest = _years_after(today, PLANNED_YEARS_AHEAD)
        if not PLANNED_FROM <= day <= latest:
            return [_("Enter a date between %(start)s and %(end)s.") % _range(PLANNED_FROM, latest)]
    return []


def date_errors(values: dict, *, not_in_future: bool = False, planned: bool = False) -> dict:
    """{field name: messages} for the dates of `values` ({field name: date}) `date_problems` finds wrong."""
    return {
        name: problems
        for name, value in values.items()
        if (problems := date_problems(value, not_in_future=not_in_future, planned=planned))
    }


def ensure_dates(values: dict, *, not_in_future: bool = False, planned: bool = False) -> None:
    """Refuse, keyed by field, every date of `values` `date_problems` finds wrong."""
    errors = date_errors(values, not_in_future=not_in_future, planned=planned)
    if errors:
        raise ValidationError(errors)


def within_calendar(value) -> None:
    """A form field validator: the date (or moment) is within EARLIEST_DATE..LATEST_DATE."""
    problems = date_problems(value)
    if problems:
        raise ValidationError(problems, code="date_out_of_range")


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _range(start, end) -> dict:
    return {"start": date_format(start, "Y-m-d"), "end": date_format(end, "Y-m-d")}

"""Gendan's SQLite backend gives exactly what Django's gives, by shorter ways."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor
from django.db.backends.sqlite3.operations import DatabaseOperations as DjangoOperations

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")

UTC = datetime.UTC


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM t WHERE a = %s AND b = %s",
        "SELECT '100%%' || %s",  # an escaped percent sign stays one
        "SELECT 1",
    ],
)
def test_placeholders_are_converted_as_django_converts_them(db, query):
    with connection.cursor() as cursor:
        ours = cursor.cursor.convert_query(query)
        assert type(cursor.cursor).__module__ == "gendan.core.backends.sqlite3.base"
    assert ours == DjangoCursor.convert_query(None, query)


def test_named_placeholders_still_work(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(a)s + %(b)s", {"a": 1, "b": 2})
        assert cursor.fetchone() == (3,)


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC),
        datetime.datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
        datetime.datetime(2026, 12, 2, 16, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
        None,
    ],
)
def test_datetimes_are_written_as_django_writes_them(value):
    assert connection.ops.adapt_datetimefield_value(value) == DjangoOperations(connection).adapt_datetimefield_value(
        value
    )


@pytest.mark.parametrize(
    "stored",
    ["2026-12-02 08:30:15.123456", "2026-12-02 08:30:00", "2026-12-02 08:30:00+08:00", "2026-12-02", None],
)
def test_datetimes_are_read_as_django_reads_them(stored):
    ours = connection.ops.convert_datetimefield_value(stored, None, connection)
    theirs = DjangoOperations(connection).convert_datetimefield_value(stored, None, connection)
    assert ours == theirs
    assert getattr(ours, "tzinfo", None) == getattr(theirs, "tzinfo", None)


def test_a_datetime_round_trips_through_the_database(db):
    from gendan.accounts.models import User

    moment = datetime.datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC)
    User.objects.create(username="someone", last_login=moment)

    assert User.objects.get(username="someone").last_login == moment
    assert User.objects.filter(last_login__lt=moment + datetime.timedelta(microseconds=1)).count() == 1


def _column(max_digits, decimal_places):
    from django.db.models import DecimalField
    from django.db.models.expressions import Col

    field = DecimalField(max_digits=max_digits, decimal_places=decimal_places)
    field.set_attributes_from_name("amount")
    return Col("t", field)


@pytest.mark.parametrize("stored", [0, 1, 12.5, 0.1 + 0.2, 1234567.891, -99999999999.99, 10**10, None])
def test_decimals_in_range_are_read_as_django_reads_them(stored):
    column = _column(14, 2)
    ours = connection.ops.get_decimalfield_converter(column)(stored, column, connection)
    theirs = DjangoOperations(connection).get_decimalfield_converter(column)(stored, column, connection)
    assert ours == theirs
    assert str(ours) == str(theirs)


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (1e20, "100000000000000000000.00"),  # more digits than the column holds: read whole
        (123456789012345.678, "123456789012346.00"),  # SQLite's 15 significant digits, as Django keeps them
        (float("inf"), None),
        ("not a number", None),
    ],
)
def test_a_decimal_the_column_cannot_hold_is_read_instead_of_failing(stored, read):
    column = _column(14, 2)
    value = connection.ops.get_decimalfield_converter(column)(stored, column, connection)
    assert (None if value is None else str(value)) == read

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

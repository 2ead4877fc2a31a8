"""Django's SQLite backend, with the per-statement overheads that repeat on every run taken out.

The services run the same few hundred statements over and over. Django rewrites each
statement's "%s" placeholders with a regular expression on every execute, about a tenth of
an order's time on SQLite (docs/BENCHMARKS.md): a bounded cache of the rewritten text removes
it. Datetimes, written and read on every row, go the short way when they are plain UTC ones,
as timezone.now() gives and the database stores them. A decimal longer than its column
(SQLite stores whatever it is given) is read back whole instead of failing the whole query.
"""

import _thread
import datetime
import decimal
from functools import lru_cache

from django.db.backends.sqlite3 import base, operations
from django.db.models.expressions import Col

UTC = datetime.UTC
# The most digits before the point a number SQLite returns can have (a float is below 1.8e308).
FLOAT_DIGITS = 309


@lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseOperations(operations.DatabaseOperations):
    def adapt_datetimefield_value(self, value):
        if type(value) is datetime.datetime and value.tzinfo is UTC and self.connection.timezone is UTC:
            # What make_naive(value, UTC) and str() give, without converting to the same zone.
            return str(value.replace(tzinfo=None))
        return super().adapt_datetimefield_value(value)

    def convert_datetimefield_value(self, value, expression, connection):
        if type(value) is str and self.connection.timezone is UTC:
            try:
                parsed = datetime.datetime.fromisoformat(value)
            except ValueError:
                pass  # not ISO 8601: Django's parser says what is wrong
            else:
                return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
        return super().convert_datetimefield_value(value, expression, connection)

    def get_decimalfield_converter(self, expression):
        converter = super().get_decimalfield_converter(expression)
        if not isinstance(expression, Col):
            return converter
        quantum = decimal.Decimal(1).scaleb(-expression.output_field.decimal_places)
        # Django rounds to the column's digits in a context as narrow as the column, which
        # raises on a value with more digits than max_digits: one such row would take down
        # every list that shows it. Such a value is read at full length instead, and text
        # that is no number at all as nothing.
        wide = decimal.Context(prec=FLOAT_DIGITS + expression.output_field.decimal_places)
        from_float = decimal.Context(prec=15).create_decimal_from_float

        def lenient(value, expression, connection):
            try:
                return converter(value, expression, connection)
            except (decimal.InvalidOperation, TypeError):
                pass
            try:
                number = value if isinstance(value, str) else from_float(value)
                return decimal.Decimal(number).quantize(quantum, context=wide)
            except (decimal.InvalidOperation, TypeError, ValueError):
                return None  # infinite, or text that is no number

        return lenient


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def validate_thread_sharing(self):
        # Django asks "may this connection be shared between threads?" (which takes a lock)
        # before "is this the thread that opened it?" on every cursor, commit and rollback;
        # the second is almost always yes, so it goes first.
        if self._thread_ident != _thread.get_ident():
            super().validate_thread_sharing()

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)

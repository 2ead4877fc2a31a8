"""django-tables2's per-cell signature lookups are answered once per function, with the same answers."""

import functools
import inspect

import pytest
from django_tables2 import utils

from gendan.core import table_cells


class Cells:
    def render(self, value, record):
        return value

    def value(self, *args, record=None, **kwargs):
        return record

    def __call__(self, value):
        return value

    @classmethod
    def of_class(cls, value, bound_column):
        return value

    @staticmethod
    def of_nothing(table):
        return table


def plain(value, record, column):
    return value


CALLABLES = [
    plain,
    lambda record: record,
    Cells().render,
    Cells().value,
    Cells(),
    Cells.of_class,
    Cells.of_nothing,
    Cells.render,
    functools.partial(plain, column=None),
]


@pytest.mark.parametrize("fn", CALLABLES, ids=range(len(CALLABLES)))
def test_the_cached_signature_answers_as_the_library_does(fn):
    assert table_cells.signature(fn) == table_cells._uncached(fn)


def test_the_library_asks_each_function_once_however_many_cells(monkeypatch):
    asked = []
    real = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda fn, **kw: asked.append(fn) or real(fn, **kw))
    table_cells._signature_of_function.cache_clear()

    class Row:
        def render_total(self, value):
            return value

    results = [utils.call_with_appropriate(Row().render_total, {"value": n, "record": None}) for n in range(50)]

    assert results == list(range(50))
    assert utils.signature is table_cells.signature
    assert len(asked) <= 2

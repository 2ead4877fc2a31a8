"""django-tables2 asks `inspect.signature` of the same few methods for every cell of every row.

`django_tables2.utils.call_with_appropriate` reads the signature of a column's render / value
callable on each call, to pass only the arguments it takes: about 0.1 ms a time, two or three
times per cell. A list page of 25 rows spent most of its Python there, and a download about 9 ms
per row. The answer depends only on the function, so it is computed once per function, the way
Django caches its own (django.utils.inspect, ticket #31732): a bound method by its function
(`__func__`, less its first argument, which is what inspect reports for a bound method).
"""

import functools
import inspect

from django_tables2 import utils

_uncached = utils.signature


@functools.lru_cache(maxsize=4096)
def _signature_of_function(function, bound: bool):
    args, keywords = _uncached(function)
    first = next(iter(inspect.signature(function).parameters.values()), None)
    if bound and first is not None and first.kind in (first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD):
        args = args[1:]
    return args, keywords


def signature(fn):
    """`django_tables2.utils.signature`, computed once per function."""
    if inspect.ismethod(fn):
        return _signature_of_function(fn.__func__, True)
    try:
        return _signature_of_function(fn, False)
    except TypeError:  # unhashable callables are asked each time, as before
        return _uncached(fn)


def install() -> None:
    utils.signature = signature

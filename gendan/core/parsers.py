"""The API's JSON parser: a body nested too deeply is the client's error (400), never a crash.

Python's JSON decoder recurses once per nesting level: a body of a few thousand "[" raises
RecursionError, and a body just under that limit would raise it later, wherever the data is
walked (validation, the idempotency fingerprint). No request of this API nests deeper than a
few levels, so anything past MAX_JSON_DEPTH is refused as soon as it is read. (A body larger
than DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django before it gets here.)
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
TOO_DEEP = _("The JSON nests too deeply.")


def depth(data) -> int:
    """How deeply lists and objects nest in `data`, counted without recursing (and stopping past MAX_JSON_DEPTH)."""
    deepest, level = 0, [(data, 1)]
    while level:
        value, at = level.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, at)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            children = value.values() if isinstance(value, dict) else value
            level.extend((child, at + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(TOO_DEEP) from exc
        if depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(TOO_DEEP)
        return data

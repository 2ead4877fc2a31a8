"""Template helpers shared by every page: sortable headers, the event timeline and numbers as people write them."""

import math
from decimal import InvalidOperation

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html

from gendan.core import custom_fields, verbs
from gendan.core.numbers import plain_decimal

register = template.Library()

# Free-text data worth showing under an event (a rejection's comment, a hold's reason).
NOTE_KEYS = ("comment", "reason", "signed_by", "note", "subject", "error")


@register.filter
def plain_number(value):
    """10.000 → "10", 2.50 → "2.5", 1E+1 → "10" (gendan.core.numbers.plain_decimal); anything not a number as it is."""
    if isinstance(value, bool):
        return value
    try:
        return plain_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.filter
def capped(count):
    """A count from gendan.core.lists.capped_count: past LIST_COUNT_CAP, "10,000+"."""
    if isinstance(count, int) and count > settings.LIST_COUNT_CAP:
        return f"{intcomma(settings.LIST_COUNT_CAP)}+"
    return count


@register.filter
def event_label(verb: str) -> str:
    """What the actor did, as each app registered it (core.verbs); a verb nobody named is shown as recorded."""
    return verbs.activity(verb)


@register.simple_tag
def event_changes(event) -> list[tuple[str, object, object]]:
    """(field label, old, new) for each change, with choice values shown by their label."""
    # get_for_id is served from ContentType's cache: no query per event.
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    rows = []
    for name, (old, new) in event.changes.items():
        label, display = name, (lambda v: v)
        if name.startswith(f"{custom_fields.FIELD}.") and model is not None:
            # A custom field's change is named by its key ("custom_fields.tier"): shown by the field's label.
            label = custom_fields.label_of(model._meta.label_lower, name.removeprefix(f"{custom_fields.FIELD}."))
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        if field is not None:
            label = field.verbose_name
            choices = dict(field.flatchoices)
            if choices:
                display = lambda v, choices=choices: choices.get(v, v)  # noqa: E731
        rows.append((label, display(old), display(new)))
    return rows


@register.simple_tag
def event_notes(event) -> list[str]:
    return [str(event.data[key]) for key in NOTE_KEYS if event.data.get(key)]


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label) -> str:
    """A column header that sorts by `key`, flipping direction when already sorted by it."""
    request = context["request"]
    current = context.get("sort", "")
    descending = current == f"-{key}"
    active = current.removeprefix("-") == key
    params = request.GET.copy()
    params["sort"] = key if descending or not active else f"-{key}"
    params.pop("page", None)
    icon = ""
    if active:
        icon = "bi-caret-down-fill" if descending else "bi-caret-up-fill"
    return format_html(
        '<a class="text-reset text-decoration-none" href="?{}">{}{}</a>',
        params.urlencode(),
        label,
        format_html(' <i class="bi {}" aria-hidden="true"></i>', icon) if icon else "",
    )


@register.filter
def whole_minutes(duration) -> int:
    """A timedelta in minutes, rounded up: a lock of 14.5 minutes is not over after 14."""
    return math.ceil(duration.total_seconds() / 60)


@register.simple_tag(takes_context=True)
def kept_params(context, dropped: str) -> list[tuple[str, str]]:
    """(name, value) of the query's parameters but those named in `dropped` (space-separated), for hidden inputs.

    A GET form that changes one thing of a list (its columns) keeps its filters, sort and chosen view.
    """
    names = set(dropped.split())
    return [
        (name, value)
        for name, values in context["request"].GET.lists()
        if name not in names
        for value in values
        if value
    ]

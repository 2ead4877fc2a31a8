"""Picking one record among many (a customer, an owner, a product) by asking the server as people type.

A page never lists every record of a kind: that grows with the data (a hundred thousand customers
in a <select> is megabytes of HTML). The field stays a plain id input, so filter URLs (`?customer=<id>`)
and pages without JavaScript work as before; `gendan/static/gendan/lookup.js` puts a search box
over it that asks the kind's endpoint (`GET /lookup/<kind>/?q=`, JSON `[{id, label}]`) and keeps
the chosen id in the field. The page names the chosen record with one query for that record.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .bounds import id_from

# Matches an endpoint answers at most: enough to choose from, never the table.
LOOKUP_LIMIT = 20
# Longer text is no name anyone types; cut before it reaches the query.
QUERY_MAX_LENGTH = 100


class LookupInput(forms.TextInput):
    """An id field shown as the chosen record's name, searched at `source` by lookup.js.

    `label_of(pk, user)` names one record as `user` may see it (None if they may not, or if a
    scoped kind is given no user); `user` is set by the form's owner (core.filters.FilterSet does
    it from its request).
    """

    def __init__(self, source, label_of: Callable[[int, object], str | None], attrs=None):
        super().__init__(attrs)
        self.source = source
        self.label_of = label_of
        self.user = None

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.user = None
        return copy

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.update(
            {
                "data-lookup": str(self.source),
                "data-lookup-placeholder": str(_("Type to search")),
                "data-lookup-empty": str(_("No matches")),
                "inputmode": "numeric",
                "autocomplete": "off",
            }
        )
        label = self.label(context["widget"]["value"])
        if label:
            widget_attrs["data-lookup-label"] = label
        return context

    def label(self, value) -> str | None:
        # An id the database could not hold is no record; the filter reports it on its field.
        record_id = id_from(value)
        return None if record_id is None else self.label_of(record_id, self.user)


_QUERY = forms.CharField(required=False)


def lookup_view(matches: Callable[[object, str], Iterable[tuple[int, str]]]):
    """The endpoint of one kind: `matches(user, query)` gives at most LOOKUP_LIMIT (id, label) pairs."""

    @login_required
    @require_GET
    def view(request):
        # A form field's own checks (a NUL, which PostgreSQL refuses in a query) answer on the field.
        try:
            query = _QUERY.clean(request.GET.get("q", "")[:QUERY_MAX_LENGTH])
        except ValidationError as exc:
            return JsonResponse({"q": exc.messages}, status=400)
        return JsonResponse([{"id": pk, "label": label} for pk, label in matches(request.user, query)], safe=False)

    return view

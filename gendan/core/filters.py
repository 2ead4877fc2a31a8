"""The base of every filter set, for pages and API alike: a value the database cannot compare is refused on its field.

An id past the 64-bit range or a date at the ends of the calendar (which a time-zone shift
pushes out of it) would fail the query itself — a server error for a typo in a URL.
Refused here instead: the API answers 400 with the field's error (DjangoFilterBackend), a
page shows an empty list with the error under its filter.

The search box of a list (`?q=`, SearchFilter) and of an API list (`?search=`, SearchBackend) ask
core.search, which matches through indexes.
"""

import datetime

import django_filters
from django import forms
from django.template import loader
from django.utils import timezone
from django_filters.constants import EMPTY_VALUES
from rest_framework import filters

from .bounds import BIGINT_MAX, BIGINT_MIN, selected_ids, within_calendar
from .custom_fields import fields_of
from .custom_fields_lists import custom_filters
from .lookups import LookupInput
from .search import Searchable, search, search_all


class FilterSet(django_filters.FilterSet):
    # The record type whose custom fields are filters too (`?cf_<key>=`): read once, when the filter set is made.
    custom_record_type = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.custom_record_type:
            self.filters.update(custom_filters(fields_of(self.custom_record_type)))
        for one in self.filters.values():
            if isinstance(one, django_filters.NumberFilter):
                one.extra.setdefault("min_value", BIGINT_MIN)
                one.extra.setdefault("max_value", BIGINT_MAX)
            elif isinstance(one, django_filters.DateFilter | django_filters.DateTimeFilter):
                one.extra["validators"] = [*one.extra.get("validators", ()), within_calendar]

    @property
    def form(self):
        form = super().form
        if self.request is not None:
            # A picker names the chosen record only as the reader may see it.
            for field in form.fields.values():
                if isinstance(field.widget, LookupInput):
                    field.widget.user = self.request.user
        return form

    @property
    def qs(self):
        # A filter that could not be read narrows the list to nothing rather than being dropped:
        # the page shows the field's error over an empty list, not every record as if unfiltered.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs


class DayFilter(django_filters.DateFilter):
    """A day picked for a moment column: from the start of that day (`lookup_expr="gte"`) or to its end ("lte").

    Days begin on the current time zone's clock. It filters a range of the column itself, never the
    column's date (which the database computes row by row, so no index on the column could serve it).
    """

    def __init__(self, *args, past_only: bool = False, **kwargs):
        # `past_only`: the column holds moments that have happened (when a record was entered), so that "from a
        # day" is also "to now". Said to the database, it reads the range from an index of the column: with
        # the lower bound alone, SQLite (which keeps no statistics) guesses a quarter of the table and walks the
        # list's sort index instead, testing every row (a million-order set's customers entered since a day,
        # sorted by name: 180 ms against 7 ms).
        self.past_only = past_only
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        day = value if self.lookup_expr == "gte" else value + datetime.timedelta(days=1)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        if self.lookup_expr == "gte":
            bounds = {f"{self.field_name}__gte": start}
            if self.past_only:
                bounds[f"{self.field_name}__lte"] = timezone.now()
            return self.get_method(qs)(**bounds)
        return self.get_method(qs)(**{f"{self.field_name}__lt": start})


class IdsField(forms.Field):
    """The ids of a selection, one parameter each (?id=3&id=5): at most MAX_SELECTION, as core.bounds.selected_ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = [v for v in (value or []) if v not in EMPTY_VALUES]
        return selected_ids(values) if values else []


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """Any of several values of a column of the row itself (statuses): one `IN`, no DISTINCT.

    django-filter's own ORs one equality per value and adds DISTINCT for joins that might repeat rows. A count of
    orders in three statuses and a billing status then read the table row by row through a bitmap per status
    instead of one index alone, and DISTINCT sorted every column of each order counted (135 ms for 19,000 orders
    at a million; 2 ms from the index)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": sorted(set(value))})


class IdsFilter(ChoicesFilter):
    """The records picked on a list (its checkboxes), for an action on them: exporting, printing."""

    field_class = IdsField


class SearchFilter(django_filters.CharFilter):
    """A list's search box (`?q=`): the term matched as the model's description says (core.search)."""

    def __init__(self, searchable: Searchable, **kwargs):
        super().__init__(**kwargs)
        self.searchable = searchable

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return search(qs, self.searchable, value)


class SearchBackend(filters.SearchFilter):
    """`?search=` on an API list, through core.search: every term must match (DRF's splitting, quotes kept).

    The viewset names its model's description (`searchable = ORDERS`); a list without one ignores
    the parameter, which the schema documents on every list as DRF's own search did.
    """

    def filter_queryset(self, request, queryset, view):
        searchable = getattr(view, "searchable", None)
        if searchable is None:
            return queryset
        return search_all(queryset, searchable, self.get_search_terms(request))

    def to_html(self, request, queryset, view):
        if getattr(view, "searchable", None) is None:
            return ""
        context = {"param": self.search_param, "term": request.query_params.get(self.search_param, "")}
        return loader.get_template(self.template).render(context)

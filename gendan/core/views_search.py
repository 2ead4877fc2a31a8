"""The global search page, /search/?q=: every kind of record the user sees, grouped, each group's best rows.

The top bar's box submits here (a plain GET form). Typing in it asks the same view for the results
alone (HTMX, `?suggest=1`), shown under the box.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .selectors_search import TERM_MAX_LENGTH, global_search

# The suggestions under the top bar's box show fewer rows a kind than the page: they must fit under it.
SUGGESTIONS_PER_KIND = 3


class GlobalSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=TERM_MAX_LENGTH)


@login_required
@require_GET
def search_view(request):
    form = GlobalSearchForm(request.GET if "q" in request.GET else None)
    suggest = bool(request.htmx and request.GET.get("suggest"))
    term = form.cleaned_data["q"] if form.is_valid() else ""
    groups = []
    if term:
        groups = global_search(user=request.user, term=term, **({"per_kind": SUGGESTIONS_PER_KIND} if suggest else {}))
    context = {"form": form, "groups": groups, "term": term}
    return render(request, "core/search_suggestions.html" if suggest else "core/search.html", context)

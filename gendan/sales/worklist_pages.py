"""What the worklist pages of the apps after the order (fulfillment, finance) share: the page, and the way back to it."""

from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from gendan.core.tables import list_response

from .filters import list_filters


def worklist_page(request, *, title, intro, filter_class, rows, table_class, template="worklists/page.html", **context):
    """A worklist's page: `rows` (already scoped) through its filters, its table, its title and intro."""
    filterset = list_filters(request, filter_class, rows)
    return list_response(
        request, table_class, filterset.qs, template, {"filter": filterset, "title": title, "intro": intro, **context}
    )


def back_to_list(request, url_name):
    """Back to the worklist after a step: the whole page again, so its rows and the counts in the navigation follow."""
    url = reverse(url_name)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

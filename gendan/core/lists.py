"""Pagination, the same on every list: list pages (gendan.core.tables) and the paged feeds (notifications)."""

from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; an out-of-range or malformed ?page= gives the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

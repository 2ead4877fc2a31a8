"""List pages: sorting from an allow-list and pagination, the same on every list."""

from django.core.paginator import Paginator

PAGE_SIZE = 25


def sort_queryset(request, queryset, allowed: dict[str, str | tuple[str, ...]], default: str):
    """Order by ?sort=key or ?sort=-key when key is allowed; returns (queryset, active sort).

    `allowed` maps a key to a field or a tuple of fields (the later ones break ties).
    """
    sort = request.GET.get("sort") or default
    key = sort.removeprefix("-")
    if key not in allowed:
        sort, key = default, default.removeprefix("-")
    fields = allowed[key]
    fields = (fields,) if isinstance(fields, str) else fields
    sign = "-" if sort.startswith("-") else ""
    # The primary key breaks the last ties, so pages never repeat or skip a row.
    return queryset.order_by(*(f"{sign}{field}" for field in (*fields, "pk"))), sort


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; an out-of-range or malformed ?page= gives the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

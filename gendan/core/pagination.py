"""The API's list pagination (DEFAULT_PAGINATION_CLASS): its own module, as DRF imports it while loading its views."""

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .lists import ListPaginator, keyset_of

AFTER, BEFORE = "after", "before"


def _ordered_to_the_row(queryset):
    """`queryset` ordered as asked, the primary key last (so every row has one place), and its keyset or None."""
    model = queryset.model
    terms = queryset.query.order_by or model._meta.ordering
    if not terms or not all(isinstance(term, str) for term in terms):
        return queryset, None
    order = [(term.removeprefix("-"), term.startswith("-")) for term in terms]
    if order[-1][0] not in ("pk", model._meta.pk.name):
        order.append(("pk", order[-1][1]))
        queryset = queryset.order_by(*(f"-{path}" if descending else path for path, descending in order))
    return queryset, keyset_of(model, order)


class ListPagination(PageNumberPagination):
    """Page-number pages whose `count` stops at LIST_COUNT_CAP (gendan.core.lists), so no page counts a million rows.

    The body keeps `count`, `next`, `previous` and `results`; `count_capped` is true when there are more
    rows than `count` says, and `next` is then given as long as a row follows the page. Past page
    LIST_KEYSET_FROM_PAGE the `next` and `previous` links carry a cursor (`after` / `before`, beside `page`)
    and the page is read from the cursor's row on, not by OFFSET; a client that follows the links gets
    every row once, whatever the list's size. A list ordered by a nullable field pages by number all along.
    """

    django_paginator_class = ListPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        queryset, keyset = _ordered_to_the_row(queryset)
        paginator = self.django_paginator_class(queryset, self.get_page_size(request), keyset=keyset)
        number = request.query_params.get(self.page_query_param)
        try:
            if cursor := request.query_params.get(AFTER):
                self.page = paginator.keyset_page(cursor, number)
            elif cursor := request.query_params.get(BEFORE):
                self.page = paginator.keyset_page(cursor, number, backwards=True)
            else:
                self.page = paginator.page(self.get_page_number(request, paginator))
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(exc))) from None
        # The browsable API shows its pager.
        self.display_page_controls = self.page.has_next() or self.page.has_previous()
        return list(self.page)

    def get_next_link(self):
        if cursor := self.page.next_cursor:
            url = remove_query_param(self.request.build_absolute_uri(), BEFORE)
            return replace_query_param(
                replace_query_param(url, AFTER, cursor), self.page_query_param, self.page.number + 1
            )
        link = super().get_next_link()
        return link and remove_query_param(remove_query_param(link, AFTER), BEFORE)

    def get_previous_link(self):
        if cursor := self.page.previous_cursor:
            url = remove_query_param(self.request.build_absolute_uri(), AFTER)
            return replace_query_param(
                replace_query_param(url, BEFORE, cursor), self.page_query_param, self.page.number - 1
            )
        link = super().get_previous_link()
        return link and remove_query_param(remove_query_param(link, AFTER), BEFORE)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        cursor = "A cursor from a `{}` link: the page {} the row it names (deep pages, instead of OFFSET)."
        return [
            *super().get_schema_operation_parameters(view),
            *(
                {
                    "name": param,
                    "required": False,
                    "in": "query",
                    "description": cursor.format(link, where),
                    "schema": {"type": "string"},
                }
                for param, link, where in ((AFTER, "next", "after"), (BEFORE, "previous", "before"))
            ),
        ]

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = "How many rows match, counted up to LIST_COUNT_CAP."
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "description": "True when more rows match than `count` says.",
                "example": False,
            },
            **response["properties"],
        }
        response["required"] = [*response.get("required", []), "count_capped"]
        return response

"""The API's list pagination (DEFAULT_PAGINATION_CLASS): its own module, as DRF imports it while loading its views."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .lists import ListPaginator


class ListPagination(PageNumberPagination):
    """Page-number pages whose `count` stops at LIST_COUNT_CAP (gendan.core.lists), so no page counts a million rows.

    The body keeps `count`, `next`, `previous` and `results`; `count_capped` is true when there are more
    rows than `count` says, and `next` is then given as long as a row follows the page.
    """

    django_paginator_class = ListPaginator

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

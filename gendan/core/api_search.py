"""GET /api/v1/search/?q=: the global search (core.selectors_search), as the search page shows it.

`results` holds every row found, group after group; `groups` says per type whether more were found
than shown and where the type's list, searched the same way, is.
"""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .selectors_search import RESULTS_PER_KIND, TERM_MAX_LENGTH, global_search


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=TERM_MAX_LENGTH, help_text="What to look for: a number, name, phone, ...")


class SearchResultSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Stable name of the record type: "customer", "contact", "order", ...')
    type_label = serializers.CharField(help_text="The record type in the caller's language (singular).")
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The record as people recognise it: a number and its customer, a name.")
    detail = serializers.CharField(help_text="A second line: status, phone, tracking number; may be empty.")
    url = serializers.CharField(help_text="Its page (a path on this site).")


class SearchGroupSerializer(serializers.Serializer):
    type = serializers.CharField()
    type_label = serializers.CharField()
    more = serializers.BooleanField(help_text=f"More than the {RESULTS_PER_KIND} rows in results were found.")
    list_url = serializers.CharField(help_text="The type's list searched for the same text; empty if it has none.")


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    groups = SearchGroupSerializer(many=True)


class GlobalSearchViewSet(viewsets.ViewSet):
    """Every kind of record the caller may see, found by one text; kinds whose list they may not open are left out."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="What to look for (1–100 characters).")],
        responses=SearchResponseSerializer,
    )
    def list(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        groups = global_search(user=request.user, term=query.validated_data["q"])
        results = [{**asdict(row), "type_label": group.record_title} for group in groups for row in group.rows]
        summary = [
            {
                "type": group.type,
                "type_label": group.title,
                "more": group.more,
                "list_url": group.list_url,
            }
            for group in groups
        ]
        return Response(SearchResponseSerializer({"results": results, "groups": summary}).data)

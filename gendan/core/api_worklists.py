"""GET /api/v1/worklists/: the caller's worklists with how many items wait in each; and the base of a worklist's own list.

A worklist's list is read-only, filtered, paginated and scoped like the other lists, under
/api/v1/worklists/<list>/ (registered in api_urls.py).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import worklists
from .api import RolePermission, ServiceViewSet


class WorklistSummarySerializer(serializers.Serializer):
    key = serializers.CharField(help_text='Stable name of the list, e.g. "sales.approvals".')
    label = serializers.CharField(help_text="The list's name in the caller's language.")
    count = serializers.IntegerField(
        help_text="How many items wait in it, in the caller's scope, counted up to LIST_COUNT_CAP: "
        "a number above the cap means more than the cap."
    )
    url = serializers.CharField(help_text="Its page.")
    api_url = serializers.CharField(help_text="Its items in the API (a paginated list).")


class WorklistSummaryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WorklistSummarySerializer(many=True))
    def get(self, request):
        rows = [
            {
                "key": worklist.key,
                "label": str(worklist.label),
                "count": count,
                "url": worklist.url,
                "api_url": request.build_absolute_uri(worklist.api_url) if worklist.api_url_name else "",
            }
            for worklist, count in worklists.with_counts(request.user)
        ]
        return Response(WorklistSummarySerializer(rows, many=True).data)


class WorklistPermission(BasePermission):
    def has_permission(self, request, view):
        return view.works_list(request.user)


class WorklistViewSet(mixins.ListModelMixin, ServiceViewSet):
    """A list read by the people who work it (as only they see it in the navigation).

    Subclasses set `works_list` (the worklist's `allowed`, as a staticmethod), `selector` and
    `filterset_class`. The order is the worklist's own (most urgent first): no ?ordering= overrides it.
    """

    permission_classes = [IsAuthenticated, RolePermission, WorklistPermission]
    filter_backends = [DjangoFilterBackend]

    @staticmethod
    def works_list(user) -> bool:
        return False

    @staticmethod
    def selector(*, user):
        raise NotImplementedError

    def get_queryset(self):
        return self.selector(user=self.request.user)

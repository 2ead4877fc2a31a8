"""GET /api/v1/worklists/: the caller's worklists with how many items wait in each."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import worklists


class WorklistSummarySerializer(serializers.Serializer):
    key = serializers.CharField(help_text='Stable name of the list, e.g. "sales.approvals".')
    label = serializers.CharField(help_text="The list's name in the caller's language.")
    count = serializers.IntegerField(help_text="How many items wait in it, in the caller's scope.")
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

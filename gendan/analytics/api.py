"""/api/v1/metrics/: the metrics the caller may see; /api/v1/metrics/{name}/: one of them over a period, in their scope.

Every figure is the metric's own (gendan.analytics.metrics): this module parses the question and renders the answer.
Amounts and ratios are decimal strings like every amount of the API, counts are integers, and a ratio of nothing is
null. A metric the caller may not see is as unknown as one that does not exist: 404.
"""

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .metrics import COMPARES, GROUP_BYS, UNITS, company_today, metrics_for


@extend_schema_field({"oneOf": [{"type": "string", "format": "decimal"}, {"type": "integer"}], "nullable": True})
class FigureField(serializers.Field):
    """A decimal string for money, percentages and days; an integer for counts; null for a ratio of nothing."""

    def to_representation(self, value):
        return str(value) if isinstance(value, Decimal) else value


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class RowKeyField(serializers.Field):
    """The id of the owner, team, product or customer (null: no team), the region's text, or a bucket's first day."""

    def to_representation(self, value):
        return value


class MetricSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField(help_text="What is counted, which date decides the period, what is left out.")
    unit = serializers.ChoiceField(choices=UNITS)
    group_bys = serializers.ListField(child=serializers.CharField(), help_text="What its rows may be grouped by.")
    compares = serializers.ListField(child=serializers.CharField(), help_text="What it may be compared with.")
    point_in_time = serializers.BooleanField(help_text="Counted as things stand now, whatever the period.")


class MetricQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="The first day counted; the first of this month if left out."
    )
    end = serializers.DateField(required=False, help_text="The last day counted; today if left out.")
    group_by = serializers.ChoiceField(choices=GROUP_BYS, required=False, allow_blank=True)
    compare = serializers.ChoiceField(
        choices=COMPARES,
        required=False,
        allow_blank=True,
        help_text="The same number of days just before, or the same dates a year earlier.",
    )


class MetricRowSerializer(serializers.Serializer):
    key = RowKeyField()
    label = serializers.CharField()
    value = FigureField()
    compare_value = FigureField(help_text="The compared period's figure for this row; null without a comparison.")


class MetricResultSerializer(serializers.Serializer):
    name = serializers.CharField(source="metric.name")
    label = serializers.CharField(source="metric.label")
    definition = serializers.CharField(source="metric.definition")
    unit = serializers.ChoiceField(source="metric.unit", choices=UNITS)
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField(allow_null=True, help_text="The day a point-in-time figure was counted on.")
    group_by = serializers.CharField(allow_null=True)
    compare = serializers.CharField(allow_null=True)
    compare_start = serializers.DateField(allow_null=True)
    compare_end = serializers.DateField(allow_null=True)
    rows = MetricRowSerializer(
        many=True,
        help_text="By time: every bucket of the period in order, the empty ones too. Otherwise the largest first, with "
        "the keys found only in the compared period.",
    )
    total = FigureField()
    compare_total = FigureField()
    rows_add_up = serializers.BooleanField(help_text="Whether the rows' values add up to the total.")


class MetricListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MetricSerializer(many=True))
    def get(self, request):
        return Response(MetricSerializer(metrics_for(request.user), many=True).data)


class MetricDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[MetricQuerySerializer, OpenApiParameter("name", str, OpenApiParameter.PATH)],
        responses=MetricResultSerializer,
    )
    def get(self, request, name):
        metric = next((metric for metric in metrics_for(request.user) if metric.name == name), None)
        if metric is None:
            raise NotFound()
        query = MetricQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end", company_today())
        result = metric.compute(
            request.user,
            query.validated_data.get("start", end.replace(day=1)),
            end,
            group_by=query.validated_data.get("group_by") or None,
            compare=query.validated_data.get("compare") or None,
        )
        return Response(MetricResultSerializer(result).data)

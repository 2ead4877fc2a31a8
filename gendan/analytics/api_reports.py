"""/api/v1/reports/: the caller's saved reports and those shared with their team; only the owner changes one.
/api/v1/reports/{id}/run/: its figures, counted over what the caller may see (analytics.reports.run_report)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.core.api import RetrieveMixin, ServiceViewSet

from .api import FigureField
from .models import ReportSchedule, SavedReport
from .reports import run_report
from .services_reports import NAME_MAX_LENGTH, report_create, report_delete, report_subscribe, report_update

_DIMENSIONS_HELP = (
    "What the rows are grouped by: one or two of month, week, day, owner, team, region, product, customer, "
    'e.g. ["week", "owner"].'
)
_MEASURES_HELP = 'The metrics shown side by side, by name (GET /api/v1/metrics/), e.g. ["sales", "orders"].'
_FILTERS_HELP = (
    'Ids of owners, teams, products, customers and names of regions to keep (e.g. {"team": [3]}), and the period: '
    '"period" one of this_month, last_month, this_week, last_week, last_7_days, last_30_days, this_quarter, '
    'this_year, or "custom" with "start" and "end" (YYYY-MM-DD).'
)


class SavedReportSerializer(serializers.ModelSerializer):
    owner_name = serializers.StringRelatedField(source="owner")
    mine = serializers.SerializerMethodField(help_text="Whether it is yours (only yours can be changed).")
    send_at = serializers.TimeField(format="%H:%M", help_text="The time it is sent, in each recipient's time zone.")
    dimensions = serializers.ListField(child=serializers.CharField(), help_text=_DIMENSIONS_HELP)
    measures = serializers.ListField(child=serializers.CharField(), help_text=_MEASURES_HELP)
    filters = serializers.DictField(help_text=_FILTERS_HELP)

    class Meta:
        model = SavedReport
        fields = [
            "id",
            "name",
            "dimensions",
            "measures",
            "filters",
            "shared_with",
            "schedule",
            "send_at",
            "owner",
            "owner_name",
            "mine",
            "last_sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_mine(self, report) -> bool:
        return report.owner_id == self.context["request"].user.pk


class SavedReportUpdateInputSerializer(serializers.Serializer):
    # Shapes and values are the service's to check, every problem at once and keyed by field.
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, allow_blank=True)
    dimensions = serializers.JSONField(help_text=_DIMENSIONS_HELP)
    measures = serializers.JSONField(help_text=_MEASURES_HELP)
    filters = serializers.JSONField(required=False, help_text=_FILTERS_HELP)
    shared_with = serializers.IntegerField(
        required=False, allow_null=True, help_text="The team (department) it is shared with: yours or one below it."
    )
    # Not a ChoiceField: a bad schedule is reported with the other problems of the request, by the service.
    schedule = serializers.CharField(required=False, help_text=f"One of {', '.join(ReportSchedule.values)}.")
    send_at = serializers.CharField(required=False, help_text="HH:MM, in each recipient's time zone.")


class ReportRunQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="The first day counted; the report's period if left out.")
    end = serializers.DateField(required=False, help_text="The last day counted; with start.")

    def validate(self, attrs):
        if ("start" in attrs) != ("end" in attrs):
            missing = "end" if "start" in attrs else "start"
            raise serializers.ValidationError({missing: [_("Send start and end together.")]})
        return attrs


class ReportColumnSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The grouping's or the measure's name.")
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["dimension", "measure"])
    unit = serializers.CharField(required=False, help_text="A measure's unit: money, count, percent or days.")


class ReportRowSerializer(serializers.Serializer):
    keys = serializers.ListField(
        child=serializers.JSONField(), help_text="Per dimension: an id, a region's name, a bucket's first day, or null."
    )
    labels = serializers.ListField(child=serializers.CharField())
    values = serializers.ListField(child=FigureField(), help_text="Per measure, in the order of the columns.")


class ReportRunSerializer(serializers.Serializer):
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    columns = ReportColumnSerializer(many=True)
    rows = ReportRowSerializer(many=True)
    totals = serializers.ListField(child=FigureField(), help_text="Per measure, over every row.")
    hidden = serializers.ListField(
        child=serializers.CharField(), help_text="Measures of the report left out: you may not see them."
    )


class SubscriptionInputSerializer(serializers.Serializer):
    subscribed = serializers.BooleanField(help_text="Whether you receive it when it is sent (the owner always does).")


@extend_schema_view(
    create=extend_schema(request=SavedReportUpdateInputSerializer, responses={201: SavedReportSerializer}),
    update=extend_schema(request=SavedReportUpdateInputSerializer, responses=SavedReportSerializer),
    partial_update=extend_schema(request=SavedReportUpdateInputSerializer, responses=SavedReportSerializer),
    destroy=extend_schema(responses={204: None}),
)
class SavedReportViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """Your saved reports and those shared with your team; run one to get its figures in your scope."""

    serializer_class = SavedReportSerializer
    # Everyone may build reports of the metrics they may see (the service checks each measure).
    permission_classes = [IsAuthenticated]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedReport.objects.none()
        return SavedReport.objects.seen_by(self.request.user).select_related("owner").order_by("name", "pk")

    def create(self, request, *args, **kwargs):
        data = self.validated_input(SavedReportUpdateInputSerializer)
        return self.render(report_create(actor=request.user, **data), status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        report = self.get_object()
        data = self.validated_input(SavedReportUpdateInputSerializer, partial=partial)
        return self.render(report_update(report=report, actor=request.user, **data))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        report_delete(report=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[ReportRunQuerySerializer], responses=ReportRunSerializer)
    @action(detail=True, methods=["get"])
    def run(self, request, pk=None):
        report = self.get_object()
        query = ReportRunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = run_report(report, request.user, **query.validated_data)
        return Response(ReportRunSerializer(result).data)

    @extend_schema(request=SubscriptionInputSerializer, responses=SavedReportSerializer)
    @action(detail=True, methods=["post"])
    def subscribe(self, request, pk=None):
        data = self.validated_input(SubscriptionInputSerializer)
        return self.render(report_subscribe(report=self.get_object(), actor=request.user, **data))

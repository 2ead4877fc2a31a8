"""/api/v1/targets/: targets with their actual, gap and attainment; /api/v1/forecast/: the pipeline's forecast;
/api/v1/leaderboard/: reps and teams ranked by a metric.

Scope as on the pages (analytics.targets): the targets of the subjects wholly in the caller's sight, actuals over the
records the caller sees (the metric's own computation). Setting needs `analytics.set_target` (403 without it) and
authority over the subject (403 for a team or person outside it); bad input is 400, keyed by field.
"""

import django_filters
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gendan.accounts.models import Department
from gendan.core.api import RetrieveMixin, ServiceViewSet
from gendan.core.filters import FilterSet

from .api import FigureField
from .forecast import MIN_CLOSED, WIN_RATE_DAYS, forecast
from .metrics import company_today
from .metrics.periods import MONTH, bucket_end, bucket_of, period_errors
from .models import PeriodKind, Target, TargetMetric
from .services_targets import target_delete, target_set
from .targets import SET_TARGET, attainment, board, ranked, target_actuals, target_metrics_for, targets_visible_to


class TargetSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    owner_name = serializers.StringRelatedField(source="owner", allow_null=True)
    start = serializers.DateField(read_only=True, help_text="The period's first day.")
    end = serializers.DateField(read_only=True, help_text="The period's last day.")
    actual = FigureField(read_only=True, help_text="The metric over the period for the subject, as you see it.")
    gap = FigureField(read_only=True, help_text="The target less the actual; below zero once the target is passed.")
    attainment = FigureField(read_only=True, help_text="The actual in percent of the target; null for a target of 0.")

    class Meta:
        model = Target
        fields = [
            "id",
            "metric",
            "subject",
            "period",
            "year",
            "quarter",
            "month",
            "start",
            "end",
            "team",
            "team_name",
            "owner",
            "owner_name",
            "amount",
            "actual",
            "gap",
            "attainment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TargetUpdateInputSerializer(serializers.Serializer):
    # The sign and the whole number of a count are the service's to refuse, keyed like the rest.
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class TargetInputSerializer(TargetUpdateInputSerializer):
    metric = serializers.ChoiceField(choices=TargetMetric.choices)
    period = serializers.ChoiceField(choices=PeriodKind.choices, help_text="year, quarter or month.")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(required=False, allow_null=True, help_text="1 to 4, for a quarter's target.")
    month = serializers.IntegerField(required=False, allow_null=True, help_text="1 to 12, for a month's target.")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, help_text="A team's target."
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="A rep's target. Neither team nor owner: the company's.",
    )


class TargetFilter(FilterSet):
    year = django_filters.NumberFilter(field_name="year")
    period = django_filters.ChoiceFilter(field_name="period", choices=PeriodKind.choices)
    metric = django_filters.ChoiceFilter(field_name="metric", choices=TargetMetric.choices)
    team = django_filters.NumberFilter(field_name="team_id")
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = Target
        fields = ["year", "period", "metric", "team", "owner"]


class SetsTargets(BasePermission):
    """Anyone signed in reads the targets in their sight; setting them needs the permission."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or request.user.has_perm(SET_TARGET)


def _with_actuals(user, targets: list) -> list:
    """The targets with their actual, gap and attainment: one computation per metric and period."""
    actuals = target_actuals(user, targets)
    for target in targets:
        target.start, target.end = target.dates()
        target.actual = actuals[target.pk]
        target.gap = target.amount - target.actual
        target.attainment = attainment(target.actual, target.amount)
    return targets


@extend_schema_view(
    create=extend_schema(request=TargetInputSerializer, responses={201: TargetSerializer}),
    update=extend_schema(request=TargetUpdateInputSerializer, responses=TargetSerializer),
    partial_update=extend_schema(request=TargetUpdateInputSerializer, responses=TargetSerializer),
    destroy=extend_schema(responses={204: None}),
)
class TargetViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """Targets of the company, teams and reps in your sight, each with what was achieved against it. POST sets one
    (made, or its amount changed when the subject already has one for the period); PUT/PATCH change its amount."""

    serializer_class = TargetSerializer
    permission_classes = [IsAuthenticated, SetsTargets]
    filterset_class = TargetFilter
    ordering_fields = ["year", "amount", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Target.objects.none()
        return (
            targets_visible_to(self.request.user)
            .select_related("team", "owner")
            .order_by("year", "period", "quarter", "month", "metric", "pk")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _with_actuals(request.user, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _respond(self, instance, status_code):
        return super()._respond(_with_actuals(self.request.user, [instance])[0], status_code)

    def create(self, request, *args, **kwargs):
        data = self.validated_input(TargetInputSerializer)
        target = target_set(actor=request.user, **data)
        return self.render(target, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        target = self.get_object()
        data = self.validated_input(TargetUpdateInputSerializer, partial=partial)
        if "amount" not in data:
            return self._respond(target, status.HTTP_200_OK)
        changed = target_set(
            actor=request.user,
            metric=target.metric,
            period=target.period,
            year=target.year,
            quarter=target.quarter,
            month=target.month,
            team=target.team,
            owner=target.owner,
            amount=data["amount"],
        )
        return self.render(changed)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        target_delete(actor=request.user, target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the forecast -------------------------------------------------------------------------------------


class ForecastBucketSerializer(serializers.Serializer):
    deals = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=16, decimal_places=2)


class ForecastMonthSerializer(ForecastBucketSerializer):
    month = serializers.DateField(source="key", help_text="The month's first day.")
    label = serializers.CharField()
    past = serializers.BooleanField(help_text="Expected to have closed already: an overdue month.")


class ForecastOwnerSerializer(ForecastBucketSerializer):
    owner = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    won = serializers.IntegerField(source="rate.won", help_text="Deals won in the window.")
    closed = serializers.IntegerField(source="rate.closed", help_text="Deals won or lost in the window.")
    factor = serializers.DecimalField(source="rate.factor", max_digits=6, decimal_places=2)


class ForecastUndatedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="opportunity.pk")
    name = serializers.CharField(source="opportunity.name")
    owner = serializers.IntegerField(source="opportunity.owner_id")
    stage = serializers.CharField(source="opportunity.stage")
    amount = serializers.DecimalField(source="opportunity.amount", max_digits=14, decimal_places=2)
    probability = serializers.IntegerField(source="opportunity.probability")
    factor = serializers.DecimalField(max_digits=6, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=16, decimal_places=2)


class ForecastSerializer(serializers.Serializer):
    today = serializers.DateField()
    since = serializers.DateField(help_text="The win rates count the deals closed from this day to today.")
    win_rate_days = serializers.SerializerMethodField()
    min_closed = serializers.SerializerMethodField(help_text="Fewer closed deals than this: a factor of 1.")
    baseline_won = serializers.IntegerField()
    baseline_closed = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="The dated open deals' amounts.")
    weighted = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="The forecast.")
    method = serializers.SerializerMethodField(help_text="How the forecast is worked out, in words.")
    by_month = ForecastMonthSerializer(many=True)
    by_owner = ForecastOwnerSerializer(many=True)
    undated = ForecastUndatedSerializer(many=True, help_text="Open deals without an expected close date.")

    def get_win_rate_days(self, found) -> int:
        return WIN_RATE_DAYS

    def get_min_closed(self, found) -> int:
        return MIN_CLOSED

    def get_method(self, found) -> str:
        return found.method()


class ForecastView(APIView):
    """The open opportunities you see, weighted by probability and their owner's win rate; `method` says how."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ForecastSerializer)
    def get(self, request):
        if not request.user.has_perm("crm.view_opportunity"):
            raise PermissionDenied()
        return Response(ForecastSerializer(forecast(request.user)).data)


# --- the leaderboard ----------------------------------------------------------------------------------


class LeaderboardQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=TargetMetric.choices, required=False, help_text="sales if left out.")
    start = serializers.DateField(
        required=False, help_text="The first day counted; the first of this month if left out."
    )
    end = serializers.DateField(required=False, help_text="The last day counted; the month's last day if left out.")


class RankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField(source="row.key")
    name = serializers.CharField(source="row.label")
    actual = FigureField(source="row.actual")
    target = FigureField(source="row.amount", help_text="Null without a target for exactly this period.")
    attainment = FigureField(source="row.attainment")
    mine = serializers.BooleanField(source="row.mine", help_text="Your own row.")


class LeaderboardSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.name")
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.CharField(
        source="period.kind", allow_null=True, default=None, help_text="year, quarter or month: the targets' period."
    )
    reps = RankSerializer(many=True)
    teams = RankSerializer(many=True)


class LeaderboardView(APIView):
    """Reps and teams ranked by a metric from `start` to `end`; with targets when that is a year, quarter or month."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[LeaderboardQuerySerializer], responses=LeaderboardSerializer)
    def get(self, request):
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metric = query.validated_data.get("metric") or TargetMetric.SALES
        if metric not in target_metrics_for(request.user):
            raise NotFound()
        today = company_today()
        start = query.validated_data.get("start", today.replace(day=1))
        end = query.validated_data.get("end") or bucket_end(bucket_of(start, MONTH), MONTH)
        errors = period_errors(start, end)
        if errors:
            raise serializers.ValidationError(errors)
        found = board(request.user, metric=metric, start=start, end=end)
        answer = {
            "metric": found.metric,
            "start": start,
            "end": end,
            "period": found.period,
            "reps": [{"rank": rank, "row": row} for rank, row in ranked(found.reps)],
            "teams": [{"rank": rank, "row": row} for rank, row in ranked(found.leaf_teams)],
        }
        return Response(LeaderboardSerializer(answer).data)

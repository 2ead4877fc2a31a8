"""/api/v1/receivables/ageing/: who owes what and for how long, as the ageing page shows it."""

from django.core.paginator import InvalidPage
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from gendan.core.lists import PAGE_SIZE, ListPaginator

from .models import Invoice
from .receivables import BUCKETS, GROUPS, ageing, ageing_totals, dso, name_rows

_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class AgeingQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=sorted(GROUPS), default="customer")
    page = serializers.IntegerField(min_value=1, default=1)


class AgeingAmountsSerializer(serializers.Serializer):
    current = serializers.DecimalField(**_AMOUNT, help_text="Not yet due (or with no due date).")
    days_1_30 = serializers.DecimalField(**_AMOUNT, help_text="1 to 30 days past the due date.")
    days_31_60 = serializers.DecimalField(**_AMOUNT)
    days_61_90 = serializers.DecimalField(**_AMOUNT)
    over_90 = serializers.DecimalField(**_AMOUNT, help_text="More than 90 days past the due date.")
    total = serializers.DecimalField(**_AMOUNT, help_text="Everything owed: the five buckets together.")


class AgeingRowSerializer(AgeingAmountsSerializer):
    key = serializers.IntegerField(help_text="The customer's (or owner's) id.")
    name = serializers.CharField()
    code = serializers.CharField(help_text="The customer's code, or the owner's username.")


class AgeingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    group_by = serializers.CharField()
    buckets = serializers.ListField(child=serializers.DictField(), help_text="Each bucket's key and label.")
    count = serializers.IntegerField(help_text="Rows in all; capped like every list's count (count_capped).")
    count_capped = serializers.BooleanField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    rows = AgeingRowSerializer(many=True, help_text="One per customer (owner) who owes anything, largest first.")
    totals = AgeingAmountsSerializer(help_text="Over every open invoice in sight, not only this page's.")
    dso = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True, help_text="Days sales outstanding.")


class AgeingPermission(DjangoModelPermissions):
    """Whoever may see invoices reads the ageing of those they see."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class AgeingView(APIView):
    permission_classes = [IsAuthenticated, AgeingPermission]
    # For AgeingPermission: the model whose view permission it asks for.
    queryset = Invoice.objects.none()

    @extend_schema(
        parameters=[AgeingQuerySerializer, OpenApiParameter("page", int)],
        responses=AgeingSerializer,
    )
    def get(self, request):
        query = AgeingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        group_by, number = query.validated_data["group_by"], query.validated_data["page"]
        today = timezone.localdate()
        paginator = ListPaginator(ageing(user=request.user, group_by=group_by, today=today), PAGE_SIZE)
        try:
            page = paginator.page(number)
        except InvalidPage as exc:
            raise NotFound(str(exc)) from None
        url = request.build_absolute_uri()
        totals = ageing_totals(user=request.user, today=today)
        body = {
            "as_of": today,
            "group_by": group_by,
            "buckets": [{"key": bucket.key, "label": str(bucket.label)} for bucket in BUCKETS],
            "count": paginator.count,
            "count_capped": paginator.capped,
            "next": replace_query_param(url, "page", number + 1) if page.has_next() else None,
            "previous": replace_query_param(url, "page", number - 1) if page.has_previous() else None,
            "rows": name_rows(list(page.object_list), group_by),
            "totals": totals,
            "dso": dso(user=request.user, today=today, owed=totals["total"]),
        }
        return Response(AgeingSerializer(body).data)

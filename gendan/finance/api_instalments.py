"""/api/v1/orders/{id}/instalments/: the order's payment plan (分期付款).

`GET` lists the instalments with their due dates (set when the step they count from happens) and what is paid of
each; `PUT` `{"instalments": [{"percent", "basis", "days"}]}` replaces the plan (shares adding up to 100; an empty
list removes it) and answers the new plan. Bad rows answer 400 keyed `instalments.<index>.<field>`.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gendan.sales.models import Order

from .models import Instalment, InstalmentBasis
from .selectors import order_instalments
from .services_instalments import MAX_DAYS, order_instalments_set, plan_text


class InstalmentSerializer(serializers.ModelSerializer):
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Instalment
        fields = [
            "position",
            "percent",
            "basis",
            "days",
            "amount",
            "due_date",
            "paid_amount",
            "open_amount",
            "status",
            "overdue",
        ]
        read_only_fields = fields


class InstalmentInputSerializer(serializers.Serializer):
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Share of the order's total, in %.")
    basis = serializers.ChoiceField(choices=InstalmentBasis.choices, help_text="What the days count from.")
    days = serializers.IntegerField(min_value=0, max_value=MAX_DAYS, default=0)


class InstalmentPlanInputSerializer(serializers.Serializer):
    instalments = InstalmentInputSerializer(many=True, help_text="Shares adding up to 100; empty removes the plan.")


class InstalmentPlanSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    plan = serializers.CharField(help_text="The plan in words, in the reader's language.")
    instalments = InstalmentSerializer(many=True)


class OrderPermission(DjangoModelPermissions):
    """Reading the plan needs the order's view permission; the service checks who may set it."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"], "PUT": []}


class OrderInstalmentsView(APIView):
    permission_classes = [IsAuthenticated, OrderPermission]
    queryset = Order.objects.none()

    def _order(self, request, pk) -> Order:
        return get_object_or_404(Order.objects.visible_to(request.user), pk=pk)

    @staticmethod
    def _plan(order, instalments) -> Response:
        body = {"order": order.pk, "plan": plan_text(instalments), "instalments": instalments}
        return Response(InstalmentPlanSerializer(body).data)

    @extend_schema(responses=InstalmentPlanSerializer)
    def get(self, request, pk):
        order = self._order(request, pk)
        return self._plan(order, order_instalments(order=order))

    @extend_schema(request=InstalmentPlanInputSerializer, responses=InstalmentPlanSerializer)
    def put(self, request, pk):
        order = self._order(request, pk)
        given = InstalmentPlanInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        instalments = order_instalments_set(
            order=order, actor=request.user, instalments=given.validated_data["instalments"]
        )
        return self._plan(order, instalments)

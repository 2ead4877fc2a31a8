"""/api/v1/statements/: a customer's statement (对账单) for a period, sent as a link the customer answers without an
account (`public_url`: `GET` shows it, `POST` {"action": "confirm"} or {"action": "dispute", "lines": [{"index",
"comment"}]}); `send/`, `resolve/` (the next version), `pdf/`, `xlsx/`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gendan.core.api import (
    EventsMixin,
    PDFRenderer,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
)
from gendan.crm.models import Customer

from .documents_statements import statement_file_response
from .filters import StatementFilter
from .models import Statement
from .services_statements import (
    CREATE_PERMISSION,
    SEND_PERMISSION,
    statement_create,
    statement_link_path,
    statement_resolve,
    statement_send,
)


class StatementLineSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["invoice", "credit_note", "payment", "refund"])
    document = serializers.CharField(help_text="The invoice's, credit note's, payment's or refund's number.")
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementDisputeSerializer(serializers.Serializer):
    index = serializers.IntegerField(source="line_index")
    comment = serializers.CharField()
    resolution = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class StatementSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    label = serializers.CharField(read_only=True, help_text="The number, with -V2… for a later version.")
    lines = StatementLineSerializer(many=True, read_only=True)
    disputes = StatementDisputeSerializer(many=True, read_only=True)
    public_url = serializers.SerializerMethodField(
        help_text="The customer's link: in the answer that made it (create, send/, resolve/) only, else null."
    )

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "version",
            "label",
            "previous",
            "customer",
            "customer_name",
            "period_start",
            "period_end",
            "currency",
            "opening_balance",
            "debit_total",
            "credit_total",
            "closing_balance",
            "lines",
            "status",
            "sent_at",
            "answered_at",
            "answered_by",
            "disputes",
            "public_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_public_url(self, statement) -> str | None:
        token = self.context.get("token")
        request = self.context.get("request")
        if not token or request is None:
            return None
        return request.build_absolute_uri(statement_link_path(token))


class StatementInputSerializer(serializers.Serializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class SendInputSerializer(serializers.Serializer):
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        help_text="Who gets it; leave out for the customer's contacts with an e-mail address.",
    )
    by_email = serializers.BooleanField(
        required=False, default=True, help_text="false: only make the link, for the caller to pass on."
    )


class ResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=1000)


_FILE = OpenApiResponse(OpenApiTypes.BINARY, description="The statement.")


@extend_schema_view(create=extend_schema(request=StatementInputSerializer, responses={201: StatementSerializer}))
class StatementViewSet(mixins.ListModelMixin, RetrieveMixin, EventsMixin, ServiceViewSet):
    """Statements of the customers the caller sees, newest first."""

    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    ordering_fields = ["created_at", "period_end", "closing_balance"]
    action_perms = {"create": CREATE_PERMISSION, "send": SEND_PERMISSION, "resolve": SEND_PERMISSION}

    def get_queryset(self):
        return Statement.objects.visible_to(self.request.user).select_related("customer").prefetch_related("disputes")

    def _with_link(self, statement, token, code):
        statement = self.get_queryset().get(pk=statement.pk)
        context = {**self.get_serializer_context(), "token": token}
        return Response(StatementSerializer(statement, context=context).data, status=code)

    # No Idempotency-Key here, unlike the other creates: the stored answer would keep the link's token in the clear,
    # which the link's hash exists to avoid. A retry makes a second draft, which finance sees on the list.
    def create(self, request, *args, **kwargs):
        data = self.validated_input(StatementInputSerializer)
        statement, token = statement_create(actor=request.user, **data)
        return self._with_link(statement, token, status.HTTP_201_CREATED)

    @extend_schema(request=SendInputSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """A new link for the customer, e-mailed to them (or only made, with by_email false)."""
        statement = self.get_object()
        data = self.validated_input(SendInputSerializer)
        statement, token = statement_send(
            statement=statement,
            actor=request.user,
            emails=data.get("emails"),
            by_email=data["by_email"],
            base_url=request.build_absolute_uri("/")[:-1],
        )
        return self._with_link(statement, token, status.HTTP_200_OK)

    @extend_schema(request=ResolveInputSerializer, responses={201: StatementSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Answer the customer's dispute: the next version, from the documents as they are now."""
        statement = self.get_object()
        data = self.validated_input(ResolveInputSerializer)
        following, token = statement_resolve(statement=statement, actor=request.user, **data)
        return self._with_link(following, token, status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): _FILE}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        return statement_file_response(self.get_object(), "pdf")

    @extend_schema(responses={(200, "application/octet-stream"): _FILE}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def xlsx(self, request, pk=None):
        return statement_file_response(self.get_object(), "xlsx")

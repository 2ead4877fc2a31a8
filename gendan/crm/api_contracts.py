"""/api/v1/contracts/: contracts with customers, their file, activation and termination.

Scope: through the customer (whoever sees a customer sees its contracts), and a contract also
to its owner. Anything else answers 404, never 403. A file is sent as multipart/form-data and
fetched from `file_url`, which checks the same scope.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from gendan.accounts.models import User
from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IF_MATCH_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    VersionedUpdateMixin,
    version_field,
)

from .filters import ContractApiFilter
from .models import Contract, Customer
from .search import CONTRACTS
from .selectors import contract_list
from .services_contracts import (
    CONTRACT_FIELDS,
    contract_activate,
    contract_create,
    contract_terminate,
    contract_update,
)

# --- output ------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner")
    file_url = serializers.SerializerMethodField(help_text="Where to download the file; null without one.")

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "title",
            "start_date",
            "end_date",
            "amount",
            "currency",
            "status",
            "owner",
            "owner_name",
            "signed_on",
            "file_name",
            "file_url",
            "notes",
            "termination_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_file_url(self, contract) -> str | None:
        if not contract.file:
            return None
        url = reverse("crm:contract_file", args=[contract.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


# --- input -------------------------------------------------------------------------------------


class ContractInputSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to the customer's owner."
    )
    file = serializers.FileField(required=False, help_text="The signed contract (multipart/form-data).")

    class Meta:
        model = Contract
        fields = ["customer", *CONTRACT_FIELDS, "file"]


class ContractUpdateInputSerializer(ContractInputSerializer):
    version = version_field()

    class Meta(ContractInputSerializer.Meta):
        fields = [*CONTRACT_FIELDS, "file", "version"]


class ContractActivateInputSerializer(serializers.Serializer):
    signed_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Defaults to today.")


class ContractTerminateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request={"application/json": ContractInputSerializer, "multipart/form-data": ContractInputSerializer},
        responses={201: ContractSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
    update=extend_schema(
        request={
            "application/json": ContractUpdateInputSerializer,
            "multipart/form-data": ContractUpdateInputSerializer,
        },
        responses=ContractSerializer,
        parameters=[IF_MATCH_PARAMETER],
    ),
    partial_update=extend_schema(
        request={
            "application/json": ContractUpdateInputSerializer,
            "multipart/form-data": ContractUpdateInputSerializer,
        },
        responses=ContractSerializer,
        parameters=[IF_MATCH_PARAMETER],
    ),
)
class ContractViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = ContractSerializer
    create_input_serializer_class = ContractInputSerializer
    update_input_serializer_class = ContractUpdateInputSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ContractApiFilter
    searchable = CONTRACTS
    ordering_fields = ["end_date", "start_date", "amount", "created_at", "updated_at"]
    action_perms = {
        "create": "crm.add_contract",
        "update": "crm.change_contract",
        "partial_update": "crm.change_contract",
        "activate": "crm.change_contract",
        "terminate": "crm.change_contract",
    }

    def get_queryset(self):
        return contract_list(user=self.request.user)

    def perform_create(self, data):
        return contract_create(actor=self.request.user, **data)

    def perform_update(self, contract, data, version):
        return contract_update(contract=contract, actor=self.request.user, version=version, **data)

    @extend_schema(request=ContractActivateInputSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        contract = self.get_object()
        data = self.validated_input(ContractActivateInputSerializer)
        return self.render(contract_activate(contract=contract, actor=request.user, **data))

    @extend_schema(request=ContractTerminateInputSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        contract = self.get_object()
        data = self.validated_input(ContractTerminateInputSerializer)
        return self.render(contract_terminate(contract=contract, actor=request.user, reason=data["reason"]))

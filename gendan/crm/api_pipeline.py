"""/api/v1/leads/ and /api/v1/opportunities/: the sales funnel.

Scope: a lead is its owner's (and their leaders' within their data scope); an opportunity goes
through its customer, and to its owner. Anything else answers 404, never 403.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

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
    custom_fields_field,
    version_field,
)

from .filters import LeadFilter, OpportunityApiFilter
from .models import Customer, Lead, Opportunity, Stage
from .search import LEADS, OPPORTUNITIES
from .selectors import lead_list, opportunity_list
from .services_pipeline import (
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    lead_contact,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_update,
    opportunity_create,
    opportunity_move,
    opportunity_update,
)

# --- output ------------------------------------------------------------------------------------


class LeadSerializer(serializers.ModelSerializer):
    owner_name = serializers.StringRelatedField(source="owner")

    class Meta:
        model = Lead
        fields = [
            "id",
            "company",
            "contact_name",
            "phone",
            "email",
            "source",
            "region",
            "notes",
            "owner",
            "owner_name",
            "status",
            "contacted_at",
            "customer",
            "disqualify_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner")
    custom_fields = custom_fields_field(read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "customer",
            "customer_name",
            "name",
            "stage",
            "amount",
            "probability",
            "expected_close_on",
            "owner",
            "owner_name",
            "stage_changed_at",
            "closed_on",
            "lost_reason",
            "lead",
            "notes",
            "custom_fields",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------


def _owner_field():
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to you."
    )


class LeadInputSerializer(serializers.ModelSerializer):
    owner = _owner_field()

    class Meta:
        model = Lead
        fields = LEAD_FIELDS


class LeadUpdateInputSerializer(LeadInputSerializer):
    version = version_field()

    class Meta(LeadInputSerializer.Meta):
        fields = [*LEAD_FIELDS, "version"]


class LeadContactInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class LeadConvertInputSerializer(serializers.Serializer):
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A customer already on file; leave out to create one from the lead.",
    )
    opportunity_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Opens a deal at the lead stage."
    )
    opportunity_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )


class LeadDisqualifyInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class OpportunityInputSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to the customer's owner."
    )
    stage = serializers.ChoiceField(
        choices=Stage.choices, default=Stage.LEAD, help_text="An open stage; won and lost are reached by moving."
    )
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, help_text="Defaults to the stage's usual chance."
    )

    custom_fields = custom_fields_field()

    class Meta:
        model = Opportunity
        fields = ["customer", *OPPORTUNITY_FIELDS, "stage", "custom_fields"]


class OpportunityUpdateInputSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)
    custom_fields = custom_fields_field()
    version = version_field()

    class Meta:
        model = Opportunity
        fields = [*OPPORTUNITY_FIELDS, "custom_fields", "version"]


class OpportunityMoveInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    lost_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Required when moving to lost."
    )
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None, help_text="Defaults to the stage's."
    )
    version = version_field()


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=LeadInputSerializer, responses={201: LeadSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
    update=extend_schema(request=LeadUpdateInputSerializer, responses=LeadSerializer, parameters=[IF_MATCH_PARAMETER]),
    partial_update=extend_schema(
        request=LeadUpdateInputSerializer, responses=LeadSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class LeadViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = LeadSerializer
    create_input_serializer_class = LeadInputSerializer
    update_input_serializer_class = LeadUpdateInputSerializer
    filterset_class = LeadFilter
    searchable = LEADS
    ordering_fields = ["created_at", "updated_at", "company"]
    action_perms = {
        "create": "crm.add_lead",
        "update": "crm.change_lead",
        "partial_update": "crm.change_lead",
        "contact": "crm.change_lead",
        "convert": "crm.change_lead",
        "disqualify": "crm.change_lead",
    }

    def get_queryset(self):
        return lead_list(user=self.request.user)

    def perform_create(self, data):
        return lead_create(actor=self.request.user, **data)

    def perform_update(self, lead, data, version):
        return lead_update(lead=lead, actor=self.request.user, version=version, **data)

    @extend_schema(request=LeadContactInputSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(LeadContactInputSerializer)
        return self.render(lead_contact(lead=lead, actor=request.user, note=data["note"]))

    @extend_schema(request=LeadConvertInputSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(LeadConvertInputSerializer)
        return self.render(lead_convert(lead=lead, actor=request.user, **data))

    @extend_schema(request=LeadDisqualifyInputSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(LeadDisqualifyInputSerializer)
        return self.render(lead_disqualify(lead=lead, actor=request.user, reason=data["reason"]))


@extend_schema_view(
    create=extend_schema(
        request=OpportunityInputSerializer,
        responses={201: OpportunitySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
    update=extend_schema(
        request=OpportunityUpdateInputSerializer, responses=OpportunitySerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=OpportunityUpdateInputSerializer, responses=OpportunitySerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class OpportunityViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = OpportunitySerializer
    create_input_serializer_class = OpportunityInputSerializer
    update_input_serializer_class = OpportunityUpdateInputSerializer
    filterset_class = OpportunityApiFilter
    searchable = OPPORTUNITIES
    ordering_fields = ["expected_close_on", "amount", "stage_changed_at", "created_at", "updated_at"]
    action_perms = {
        "create": "crm.add_opportunity",
        "update": "crm.change_opportunity",
        "partial_update": "crm.change_opportunity",
        "move": "crm.change_opportunity",
    }

    def get_queryset(self):
        return opportunity_list(user=self.request.user)

    def perform_create(self, data):
        if data.get("probability") is None:
            data.pop("probability", None)
        return opportunity_create(actor=self.request.user, **data)

    def perform_update(self, opportunity, data, version):
        return opportunity_update(opportunity=opportunity, actor=self.request.user, version=version, **data)

    @extend_schema(
        request=OpportunityMoveInputSerializer,
        responses=OpportunitySerializer,
        parameters=[IF_MATCH_PARAMETER],
        description="Move the deal to another stage; lost needs lost_reason. Records opportunity.stage_changed.",
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        opportunity = self.get_object()
        data = self.validated_input(OpportunityMoveInputSerializer)
        if data.get("version") is None:
            data["version"] = self._if_match(request)
        return self.render(opportunity_move(opportunity=opportunity, actor=request.user, **data))

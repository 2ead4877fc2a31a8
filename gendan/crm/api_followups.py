"""/api/v1/follow-ups/ and /api/v1/meetings/: contacts with customers, and meetings scheduled with them.

Scope: through the customer (whoever sees a customer sees its follow-ups and meetings), and
a meeting also to its owner. Anything else answers 404, never 403.
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
    version_field,
)

from .filters import FollowUpApiFilter, MeetingApiFilter
from .models import Contact, Customer, FollowUp, FollowUpKind, Meeting
from .search import FOLLOW_UPS, MEETINGS
from .selectors import followup_list, meeting_detail_queryset
from .services_followups import (
    MEETING_FIELDS,
    followup_create,
    meeting_cancel,
    meeting_hold,
    meeting_schedule,
    meeting_update,
)

# --- output ------------------------------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    author_name = serializers.StringRelatedField(source="author")
    contact_name = serializers.CharField(source="contact.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "occurred_at",
            "notes",
            "outcome",
            "contact",
            "contact_name",
            "next_followup_on",
            "meeting",
            "author",
            "author_name",
            "created_at",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner")
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    followup = serializers.SerializerMethodField(help_text="The follow-up recorded when the meeting was held.")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "customer",
            "customer_name",
            "title",
            "starts_at",
            "duration_minutes",
            "ends_at",
            "place",
            "owner",
            "owner_name",
            "contacts",
            "agenda",
            "status",
            "cancel_reason",
            "followup",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_followup(self, meeting) -> int | None:
        followup = getattr(meeting, "followup", None)
        return followup.pk if followup is not None else None


# --- input -------------------------------------------------------------------------------------


def _customer_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all(), **kwargs)


def _contact_field(**kwargs):
    """A contact of a customer the user sees; any other id "does not exist"."""
    return ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        scope=lambda queryset, user: queryset.filter(customer__in=Customer.objects.visible_to(user)),
        **kwargs,
    )


class FollowUpInputSerializer(serializers.Serializer):
    customer = _customer_field()
    kind = serializers.ChoiceField(choices=FollowUpKind.choices, default=FollowUpKind.CALL)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Defaults to now.")
    notes = serializers.CharField()
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    contact = _contact_field(required=False, allow_null=True, default=None, help_text="One of the customer's contacts.")
    next_followup_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Makes a task for the customer's owner on that day."
    )


class MeetingInputSerializer(serializers.ModelSerializer):
    customer = _customer_field()
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to you."
    )
    contacts = _contact_field(many=True, required=False, help_text="The customer's contacts attending.")

    class Meta:
        model = Meeting
        fields = ["customer", *MEETING_FIELDS, "contacts"]


class MeetingUpdateInputSerializer(MeetingInputSerializer):
    version = version_field()

    class Meta(MeetingInputSerializer.Meta):
        fields = [*MEETING_FIELDS, "contacts", "version"]


class MeetingHoldInputSerializer(serializers.Serializer):
    notes = serializers.CharField()
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    contact = _contact_field(required=False, allow_null=True, default=None)
    next_followup_on = serializers.DateField(required=False, allow_null=True, default=None)


class MeetingCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=FollowUpInputSerializer, responses={201: FollowUpSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, ServiceViewSet):
    serializer_class = FollowUpSerializer
    create_input_serializer_class = FollowUpInputSerializer
    filterset_class = FollowUpApiFilter
    searchable = FOLLOW_UPS
    ordering_fields = ["occurred_at", "created_at"]
    action_perms = {"create": "crm.add_followup"}

    def get_queryset(self):
        return followup_list(user=self.request.user)

    def perform_create(self, data):
        return followup_create(actor=self.request.user, **data)


@extend_schema_view(
    create=extend_schema(
        request=MeetingInputSerializer, responses={201: MeetingSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
    update=extend_schema(
        request=MeetingUpdateInputSerializer, responses=MeetingSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=MeetingUpdateInputSerializer, responses=MeetingSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class MeetingViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = MeetingSerializer
    create_input_serializer_class = MeetingInputSerializer
    update_input_serializer_class = MeetingUpdateInputSerializer
    filterset_class = MeetingApiFilter
    searchable = MEETINGS
    ordering_fields = ["starts_at", "created_at", "updated_at"]
    action_perms = {
        "create": "crm.add_meeting",
        "update": "crm.change_meeting",
        "partial_update": "crm.change_meeting",
        "hold": "crm.change_meeting",
        "cancel": "crm.change_meeting",
    }

    def get_queryset(self):
        return meeting_detail_queryset(user=self.request.user)

    def perform_create(self, data):
        return meeting_schedule(actor=self.request.user, **data)

    def perform_update(self, meeting, data, version):
        return meeting_update(meeting=meeting, actor=self.request.user, version=version, **data)

    @extend_schema(request=MeetingHoldInputSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        meeting = self.get_object()
        data = self.validated_input(MeetingHoldInputSerializer)
        return self.render(meeting_hold(meeting=meeting, actor=request.user, **data))

    @extend_schema(request=MeetingCancelInputSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        data = self.validated_input(MeetingCancelInputSerializer)
        return self.render(meeting_cancel(meeting=meeting, actor=request.user, reason=data["reason"]))

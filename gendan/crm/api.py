"""/api/v1/customers/: customers with their contacts and shipping addresses."""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers

from gendan.accounts.models import User
from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IF_MATCH_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ServiceViewSet,
    VersionedUpdateMixin,
    custom_fields_field,
    version_field,
)

from .filters import CustomerFilter
from .models import Address, Contact, Customer
from .search import CUSTOMERS
from .selectors import credit_available, customer_detail_queryset
from .services import CUSTOMER_FIELDS, customer_create, customer_update

# --- output ------------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    custom_fields = custom_fields_field(read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "phone", "email", "title", "custom_fields"]


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "recipient", "phone", "province", "city", "district", "street", "postal_code"]


class CustomerSerializer(serializers.ModelSerializer):
    owner_name = serializers.StringRelatedField(source="owner")
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)
    credit_exposure = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="What the customer owes and will owe: open invoices and confirmed orders not yet invoiced.",
    )
    custom_fields = custom_fields_field(read_only=True)
    credit_available = serializers.SerializerMethodField(
        help_text="The credit limit less the exposure; null when the customer's credit is not limited (limit 0)."
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "phone",
            "email",
            "tax_id",
            "invoice_kind",
            "invoice_title",
            "invoice_address_phone",
            "invoice_bank_account",
            "level",
            "industry",
            "region",
            "source",
            "owner",
            "owner_name",
            "credit_limit",
            "credit_exposure",
            "credit_available",
            "payment_terms_days",
            "notes",
            "last_followed_up_at",
            "contacts",
            "addresses",
            "custom_fields",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_credit_available(self, customer):
        available = credit_available(customer)
        return None if available is None else f"{available:.2f}"


# --- input -------------------------------------------------------------------------------------

# The fields a client may set are exactly those the services accept.
CUSTOMER_INPUT_FIELDS = CUSTOMER_FIELDS


class ContactInputSerializer(serializers.ModelSerializer):
    custom_fields = custom_fields_field()

    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "title", "custom_fields"]


class AddressInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["recipient", "phone", "province", "city", "district", "street", "postal_code"]


class ContactUpdateInputSerializer(ContactInputSerializer):
    id = serializers.IntegerField(required=False, help_text="An existing contact to change; leave out to add one.")

    class Meta(ContactInputSerializer.Meta):
        fields = ["id", *ContactInputSerializer.Meta.fields]


class AddressUpdateInputSerializer(AddressInputSerializer):
    id = serializers.IntegerField(required=False, help_text="An existing address to change; leave out to add one.")

    class Meta(AddressInputSerializer.Meta):
        fields = ["id", *AddressInputSerializer.Meta.fields]


class CustomerInputSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to you."
    )
    contacts = ContactInputSerializer(many=True, required=False)
    addresses = AddressInputSerializer(many=True, required=False)
    custom_fields = custom_fields_field()

    class Meta:
        model = Customer
        fields = [*CUSTOMER_INPUT_FIELDS, "contacts", "addresses", "custom_fields"]


class CustomerUpdateInputSerializer(CustomerInputSerializer):
    contacts = ContactUpdateInputSerializer(
        many=True, required=False, help_text="When sent: the full list; contacts left out are removed."
    )
    addresses = AddressUpdateInputSerializer(
        many=True, required=False, help_text="When sent: the full list; addresses left out are removed."
    )
    version = version_field()

    class Meta(CustomerInputSerializer.Meta):
        fields = [*CustomerInputSerializer.Meta.fields, "version"]


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=CustomerInputSerializer, responses={201: CustomerSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
    update=extend_schema(
        request=CustomerUpdateInputSerializer, responses=CustomerSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=CustomerUpdateInputSerializer, responses=CustomerSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = CustomerSerializer
    create_input_serializer_class = CustomerInputSerializer
    update_input_serializer_class = CustomerUpdateInputSerializer
    filterset_class = CustomerFilter
    searchable = CUSTOMERS
    ordering_fields = ["name", "code", "created_at", "updated_at"]
    action_perms = {
        "create": "crm.add_customer",
        "update": "crm.change_customer",
        "partial_update": "crm.change_customer",
    }

    def get_queryset(self):
        return customer_detail_queryset(user=self.request.user)

    def perform_create(self, data):
        return customer_create(actor=self.request.user, **data)

    def perform_update(self, customer, data, version):
        return customer_update(customer=customer, actor=self.request.user, version=version, **data)

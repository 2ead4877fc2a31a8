"""Customer forms: they parse and coerce input; the rules live in crm.services."""

from django import forms
from django.core.validators import MinValueValidator
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.accounts.models import User
from gendan.accounts.roles import SELLING_ROLES, DataScope
from gendan.core.custom_fields import FIELD
from gendan.core.forms import BootstrapForm
from gendan.core.forms_custom_fields import CustomFieldsMixin
from gendan.core.money import CENT

from .models import Address, Contact, Customer

PROFILE_FIELDS = [
    "name",
    "phone",
    "email",
    "level",
    "owner",
    "region",
    "industry",
    "source",
    "credit_limit",
    "payment_terms_days",
    "notes",
]
# What the customer's invoices print of them: their own card on the form.
BILLING_FIELDS = ["invoice_kind", "tax_id", "invoice_title", "invoice_address_phone", "invoice_bank_account"]
CUSTOMER_FORM_FIELDS = [*PROFILE_FIELDS, *BILLING_FIELDS]
CONTACT_FORM_FIELDS = ["name", "phone", "title", "email"]
ADDRESS_FORM_FIELDS = ["province", "city", "district", "street", "postal_code", "recipient", "phone"]


class CustomerForm(CustomFieldsMixin, BootstrapForm):
    """The customer's profile. A rep (own records only) owns what they create, so gets no owner field."""

    def __init__(self, *args, user, custom_values=None, **kwargs):
        self.user = user
        self.custom_values = custom_values
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields.update(fields_for_model(Customer, fields=CUSTOMER_FORM_FIELDS))
        # Left out (a page opened before the field was there), the kind stays as it is: see clean().
        self.fields["invoice_kind"].required = False
        if self.user.data_scope == DataScope.OWN:
            del self.fields["owner"]
        else:
            owner = self.fields["owner"]
            owner.queryset = User.objects.filter(is_active=True, role__in=SELLING_ROLES)
            owner.required = False
            owner.help_text = _("Leave empty to own it yourself.")
        # The database backstop (a CHECK) would otherwise be the first to notice.
        self.fields["credit_limit"].min_value = 0
        self.fields["credit_limit"].validators.append(MinValueValidator(0))
        self.order_fields(CUSTOMER_FORM_FIELDS)
        self.add_custom_fields("crm.customer", person_picker=user_picker, values=self.custom_values)

    @property
    def profile_fields(self):
        return [field for field in self if field.name not in BILLING_FIELDS]

    @property
    def billing_fields(self):
        return [self[name] for name in BILLING_FIELDS]

    def clean_credit_limit(self):
        # Stored with two places: "5000" and "5000.00" are the same limit, not an edit to record.
        return self.cleaned_data["credit_limit"].quantize(CENT)

    def clean(self):
        cleaned = super().clean()
        # Not sent, not changed: the services set only the fields they are given.
        if not cleaned.get("invoice_kind"):
            cleaned.pop("invoice_kind", None)
        return cleaned


class CustomerEditForm(CustomerForm):
    # The version the user started from: a save against a newer one is refused, never merged.
    version = forms.IntegerField(widget=forms.HiddenInput)

    def setup_fields(self):
        super().setup_fields()
        if "owner" in self.fields:
            self.fields["owner"].required = True
            self.fields["owner"].help_text = ""


class _RowForm(BootstrapForm):
    model: type
    row_fields: list[str]

    def setup_fields(self):
        self.fields.update(fields_for_model(self.model, fields=self.row_fields))

    def row(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.row_fields}


class ContactForm(CustomFieldsMixin, _RowForm):
    model = Contact
    row_fields = CONTACT_FORM_FIELDS

    def setup_fields(self):
        super().setup_fields()
        self.add_custom_fields("crm.contact", person_picker=user_picker)

    def row(self) -> dict:
        return {**super().row(), FIELD: self.cleaned_data.get(FIELD, {})}


class AddressForm(_RowForm):
    model = Address
    row_fields = ADDRESS_FORM_FIELDS


class _FirstRowMixin:
    """The first contact and address on the customer form may be left empty as a whole; a
    half-filled one goes to the service, which names each missing field."""

    def setup_fields(self):
        super().setup_fields()
        for field in self.fields.values():
            field.required = False

    def is_blank(self) -> bool:
        row = self.row()
        return not any(value for key, value in row.items() if key != FIELD) and not any(row.get(FIELD, {}).values())


class FirstContactForm(_FirstRowMixin, ContactForm):
    pass


class FirstAddressForm(_FirstRowMixin, AddressForm):
    pass

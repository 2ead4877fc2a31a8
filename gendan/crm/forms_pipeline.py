"""Lead and opportunity forms: they parse and coerce input; the rules live in crm.services_pipeline."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.accounts.models import User
from gendan.accounts.roles import DataScope
from gendan.core.forms import BootstrapForm
from gendan.core.forms_custom_fields import CustomFieldsMixin

from .forms import SELLING_ROLES
from .lookups import customer_picker
from .models import OPEN_STAGES, Customer, Lead, Opportunity, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LEAD_FORM_FIELDS = ["company", "contact_name", "phone", "email", "source", "region", "owner", "notes"]
OPPORTUNITY_FORM_FIELDS = ["name", "amount", "stage", "probability", "expected_close_on", "owner", "notes"]


class _OwnerMixin:
    """An owner field for people who see more than their own records; a rep keeps what they enter."""

    owner_help = _("Leave empty to keep it yourself.")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_owner(self, required=False):
        if self.user.data_scope == DataScope.OWN:
            del self.fields["owner"]
            return
        owner = self.fields["owner"]
        owner.queryset = User.objects.filter(is_active=True, role__in=SELLING_ROLES).order_by("first_name")
        owner.required = required
        owner.help_text = "" if required else self.owner_help

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if "owner" in data and data["owner"] is None:
            data.pop("owner")
        return data


class LeadForm(_OwnerMixin, BootstrapForm):
    def setup_fields(self):
        self.fields.update(fields_for_model(Lead, fields=LEAD_FORM_FIELDS))
        self.setup_owner()
        self.order_fields(LEAD_FORM_FIELDS)


class LeadEditForm(LeadForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def setup_fields(self):
        super().setup_fields()
        if "owner" in self.fields:
            self.setup_owner(required=True)


class LeadContactForm(BootstrapForm):
    note = forms.CharField(
        label=_("What was discussed"), widget=forms.Textarea(attrs={"placeholder": _("e.g. called, they need a quote")})
    )


class LeadConvertForm(BootstrapForm):
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        queryset=Customer.objects.none(),
        required=False,
        help_text=_("Leave empty to create a new customer from the lead."),
        widget=customer_picker(),
    )
    opportunity_name = forms.CharField(
        label=_("Open an opportunity"),
        max_length=200,
        required=False,
        help_text=_("Optional: the deal's name, to start it in the funnel."),
    )
    opportunity_amount = forms.DecimalField(
        label=_("Expected amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields["customer"].queryset = Customer.objects.visible_to(self.user)
        self.fields["customer"].widget.user = self.user


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Why is it not a prospect?")}),
    )


class OpportunityForm(CustomFieldsMixin, _OwnerMixin, BootstrapForm):
    owner_help = _("Leave empty for the customer's owner.")

    def __init__(self, *args, custom_values: dict | None = None, **kwargs):
        self.custom_values = custom_values
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields.update(fields_for_model(Opportunity, fields=OPPORTUNITY_FORM_FIELDS))
        self.fields["stage"].choices = [(s, Stage(s).label) for s in OPEN_STAGES]
        self.fields["probability"].required = False
        self.fields["probability"].help_text = _("Empty: the stage's usual chance.")
        self.fields["expected_close_on"].widget = DATE
        self.setup_owner()
        self.order_fields(OPPORTUNITY_FORM_FIELDS)
        self.add_custom_fields("crm.opportunity", person_picker=user_picker, values=self.custom_values)

    def fields_for_service(self) -> dict:
        data = super().fields_for_service()
        if data.get("probability") is None:
            data.pop("probability", None)
        return data


class OpportunityEditForm(OpportunityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def setup_fields(self):
        super().setup_fields()
        del self.fields["stage"]  # moved on the board or with "Move to", not by editing
        self.fields["probability"].required = True
        self.fields["probability"].help_text = ""
        if "owner" in self.fields:
            self.setup_owner(required=True)


class OpportunityMoveForm(BootstrapForm):
    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    lost_reason = forms.CharField(
        label=_("Reason lost"), max_length=200, required=False, help_text=_("Needed when moving to Lost.")
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the stage's usual chance."),
    )

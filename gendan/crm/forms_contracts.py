"""Contract forms: they parse and coerce input; the rules live in crm.services_contracts."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from gendan.accounts.models import User
from gendan.accounts.roles import DataScope
from gendan.core.forms import BootstrapForm

from .forms import SELLING_ROLES
from .lookups import seller_picker

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, validators=[MinValueValidator(0)]
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, widget=seller_picker()
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    file = forms.FileField(
        label=_("File"), required=False, help_text=_("The signed contract: PDF, image, Word or Excel, at most 20 MB.")
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        if self.user.data_scope == DataScope.OWN:
            # Someone who sees only their own customers keeps their own contracts.
            del self.fields["owner"]
        else:
            owner = self.fields["owner"]
            owner.queryset = User.objects.filter(is_active=True, role__in=SELLING_ROLES).order_by("first_name")
            owner.help_text = _("Leave empty for the customer's owner.")

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("file") is None:
            data.pop("file", None)
        if "owner" in data and data["owner"] is None:
            data.pop("owner")
        return data


class ContractEditForm(ContractForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def setup_fields(self):
        super().setup_fields()
        if "owner" in self.fields:
            self.fields["owner"].required = True
            self.fields["owner"].help_text = ""
        self.fields["file"].help_text = _("Upload a new file to replace the current one.")


class ContractActivateForm(BootstrapForm):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False, help_text=_("Empty for today."))


class ContractTerminateForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Reason for termination")}),
    )

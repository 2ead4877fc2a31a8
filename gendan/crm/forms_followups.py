"""Forms of follow-ups and meetings: they parse and coerce input; the rules live in crm.services_followups."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.models import User
from gendan.accounts.roles import DataScope
from gendan.core.forms import BootstrapForm

from .forms import SELLING_ROLES
from .lookups import seller_picker
from .models import Contact, FollowUpKind

# The browser's date-and-time picker; it sends ISO "2025-11-24T09:00", read in the current time zone.
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _CustomerContactsMixin:
    """A `contact(s)` field offering the customer's own contacts only."""

    def __init__(self, *args, customer, **kwargs):
        self.customer = customer
        super().__init__(*args, **kwargs)

    def contacts(self):
        return Contact.objects.filter(customer=self.customer).order_by("id")


class FollowUpForm(_CustomerContactsMixin, BootstrapForm):
    """Quick entry on the customer page: what kind, what was said, what came of it, when next."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=FollowUpKind.choices, initial=FollowUpKind.CALL, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea)
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    occurred_at = forms.DateTimeField(
        label=pgettext_lazy("follow-up", "When"), widget=DATETIME, required=False, help_text=_("Leave empty for now.")
    )
    next_followup_on = forms.DateField(
        label=_("Next follow-up"),
        widget=DATE,
        required=False,
        help_text=_("The owner gets a task for that day."),
    )

    def setup_fields(self):
        self.fields["contact"].queryset = self.contacts()
        self.fields["notes"].widget.attrs["placeholder"] = _("What was discussed?")
        self.fields["outcome"].widget.attrs["placeholder"] = _("e.g. asked for a quotation")

    def row(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class MeetingForm(_CustomerContactsMixin, BootstrapForm):
    title = forms.CharField(label=_("Subject"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, widget=seller_picker()
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Customer attendees"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea, required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields["contacts"].queryset = self.contacts()
        if self.user.data_scope == DataScope.OWN:
            # Someone who sees only their own customers leads their own meetings.
            del self.fields["owner"]
        else:
            owner = self.fields["owner"]
            owner.queryset = User.objects.filter(is_active=True, role__in=SELLING_ROLES).order_by("first_name")
            owner.help_text = _("Leave empty to lead it yourself.")

    def clean_starts_at(self):
        # Seconds would only make an unchanged time look changed.
        return self.cleaned_data["starts_at"].replace(second=0, microsecond=0)


class MeetingEditForm(MeetingForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def setup_fields(self):
        super().setup_fields()
        if "owner" in self.fields:
            self.fields["owner"].required = True
            self.fields["owner"].help_text = ""


class MeetingHoldForm(_CustomerContactsMixin, BootstrapForm):
    notes = forms.CharField(label=_("What was discussed"), widget=forms.Textarea)
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    next_followup_on = forms.DateField(
        label=_("Next follow-up"), widget=DATE, required=False, help_text=_("The owner gets a task for that day.")
    )

    def setup_fields(self):
        self.fields["contact"].queryset = self.contacts()


class MeetingCancelForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("Reason for cancelling")})
    )


def local_now_minute():
    return timezone.localtime().replace(second=0, microsecond=0)

"""Forms of the task pages: create by hand, snooze to a chosen time, hand over with a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.accounts.models import User
from gendan.core.forms import BootstrapForm
from gendan.crm.models import Customer
from gendan.sales.models import Order

from .models import TaskPriority

# The browser's date-and-time picker; it sends ISO "2025-11-24T09:00", read in the user's time zone.
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "username")


class TaskForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), widget=user_picker())
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    # The record the task is about, when the form was opened from its page; only records the user sees.
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), widget=forms.HiddenInput, required=False)
    order = forms.ModelChoiceField(queryset=Order.objects.none(), widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields["assignee"].queryset = active_users()
        self.fields["customer"].queryset = Customer.objects.visible_to(self.user)
        self.fields["order"].queryset = Order.objects.visible_to(self.user)

    def related(self):
        return self.cleaned_data.get("order") or self.cleaned_data.get("customer")


class SnoozeForm(BootstrapForm):
    until = forms.DateTimeField(label=_("Snooze until"), widget=DATETIME)


class ReassignForm(BootstrapForm):
    assignee = forms.ModelChoiceField(label=_("Hand over to"), queryset=User.objects.none(), widget=user_picker())
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, task, **kwargs):
        self.task = task
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields["assignee"].queryset = active_users().exclude(pk=self.task.assignee_id)

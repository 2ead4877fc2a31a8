"""The form of an action on a selection of orders: assigning them to another owner."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.accounts.models import User
from gendan.core.forms import BootstrapForm
from gendan.crm.lookups import seller_picker

from .services import ASSIGN_REASON_MAX_LENGTH


class OrderAssignForm(BootstrapForm):
    """Whom to hand the selected orders to (picked among the people who sell) and why; the service judges both."""

    owner = forms.ModelChoiceField(
        label=_("New owner"),
        # Any user: whoever cannot own orders is refused by the service, with the reason, on this field.
        queryset=User.objects.all(),
        widget=seller_picker(),
        error_messages={"required": _("Choose the new owner."), "invalid_choice": _("Choose the new owner.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=ASSIGN_REASON_MAX_LENGTH,
        help_text=_("Shown on each order's timeline, e.g. “Wang is on leave until May”."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The picker names the chosen person.
        self.fields["owner"].widget.user = user

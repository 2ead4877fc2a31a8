"""The event webhook form: a URL, the verbs to send (from the registry of verbs) and the signing secret."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.core import verbs
from gendan.core.forms import bootstrap

from .models import EVERY_EVENT


def event_choices() -> list[tuple[str, str]]:
    known = sorted(((verb.code, f"{verb.label} ({verb.code})") for verb in verbs.every()), key=lambda c: c[0])
    return [(EVERY_EVENT, _("Every event")), *known]


class EventWebhookForm(forms.Form):
    """Shapes only: the URL, the verbs and the secret are checked by the service, whose errors land on these fields."""

    url = forms.CharField(
        label=_("URL"), max_length=500, help_text=_("Where the events are posted, http:// or https://.")
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("“Every event” sends all of them, including events added later."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The key of the X-Gendan-Signature header, at least 16 characters."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["secret"].help_text = _("Leave blank to keep the current secret.")
        bootstrap(self)

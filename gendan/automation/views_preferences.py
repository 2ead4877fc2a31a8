"""A person's notification preferences: channels per kind of notice, quiet hours, time zone."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.forms import BootstrapForm, add_service_errors
from gendan.core.timezones import time_zone_choices, time_zone_field

from .models import Channel, NotificationKind
from .services import (
    PREFERENCE_KINDS,
    available_channels,
    notification_preferences,
    notification_preferences_set,
)

KIND_LABELS = {**dict(NotificationKind.choices), "*": gettext_lazy("Any other notice")}


def _field_name(kind: str) -> str:
    return f"channels:{kind}"


class PreferencesForm(BootstrapForm):
    time_zone = time_zone_field(label=gettext_lazy("Time zone"), required=False)
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, channels: list[str], **kwargs):
        self.channels = channels
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        company = _("Company default (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"].choices = [("", company), *time_zone_choices()]
        choices = [(c, Channel(c).label) for c in self.channels]
        for kind in PREFERENCE_KINDS:
            self.fields[_field_name(kind)] = forms.MultipleChoiceField(
                label=KIND_LABELS[kind], choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )

    def kind_rows(self):
        return [self[_field_name(kind)] for kind in PREFERENCE_KINDS]

    def chosen_channels(self) -> dict[str, list[str]]:
        return {kind: self.cleaned_data[_field_name(kind)] for kind in PREFERENCE_KINDS}


def _initial(preferences: dict) -> dict:
    initial = {_field_name(kind): channels for kind, channels in preferences["channels"].items()}
    initial.update({name: preferences[name] for name in ("quiet_start", "quiet_end", "time_zone")})
    return initial


@login_required
def preferences(request):
    channels = available_channels(request.user)
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, channels=channels, initial=_initial(notification_preferences(request.user)))
    if data is not None and form.is_valid():
        try:
            notification_preferences_set(
                actor=request.user,
                channels=form.chosen_channels(),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("automation:preferences")
    return render(
        request,
        "automation/preferences/preferences.html",
        {"form": form, "channels": [(c, Channel(c).label) for c in channels], "has_robots": len(channels) > 1},
    )


urlpatterns = [
    path("settings/notifications/", preferences, name="preferences"),
]

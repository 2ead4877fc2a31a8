"""Asking for a credit override from the order page (sales.services_credit checks it again)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gendan.core.forms import bootstrap

from .services_credit import REASON_MAX_LENGTH


class CreditOverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this order go ahead?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    days = forms.IntegerField(
        label=_("Days it holds once approved"),
        min_value=1,
        max_value=settings.CREDIT_OVERRIDE_MAX_DAYS,
        initial=settings.CREDIT_OVERRIDE_DAYS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="credit", **kwargs)
        bootstrap(self)

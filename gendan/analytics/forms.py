"""The dashboard's period picker: a named period (this month, ...) or the reader's own dates, and what it is compared
with. A period the metrics refuse is a field error; the page then shows this month meanwhile."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .metrics.periods import LAST_YEAR, MONTH, PREVIOUS, Period, bucket_of, period_errors

THIS_MONTH, LAST_MONTH, THIS_QUARTER, THIS_YEAR, LAST_30_DAYS, CUSTOM = (
    "this_month",
    "last_month",
    "this_quarter",
    "this_year",
    "last_30_days",
    "custom",
)
PRESETS = [
    (THIS_MONTH, _("This month")),
    (LAST_MONTH, _("Last month")),
    (THIS_QUARTER, _("This quarter")),
    (THIS_YEAR, _("This year")),
    (LAST_30_DAYS, _("Last 30 days")),
    (CUSTOM, pgettext_lazy("period", "Custom")),
]
COMPARE_CHOICES = [
    # As many days, just before: what the metrics mean by it.
    (PREVIOUS, _("Previous period")),
    (LAST_YEAR, _("Same period last year")),
]
# The trend charts: this month and the eleven before it, whatever the period picked.
TREND_MONTHS = 12


def preset_period(preset: str, today: datetime.date) -> Period:
    """A named period, up to today where it has not ended yet."""
    month_start = today.replace(day=1)
    if preset == LAST_MONTH:
        end = month_start - datetime.timedelta(days=1)
        return Period(end.replace(day=1), end)
    if preset == THIS_QUARTER:
        return Period(month_start.replace(month=(today.month - 1) // 3 * 3 + 1), today)
    if preset == THIS_YEAR:
        return Period(today.replace(month=1, day=1), today)
    if preset == LAST_30_DAYS:
        return Period(today - datetime.timedelta(days=29), today)
    return Period(month_start, today)


def trend_period(today: datetime.date) -> Period:
    """The first day of the month TREND_MONTHS - 1 months ago, to today."""
    first = bucket_of(today, MONTH)
    for _month in range(TREND_MONTHS - 1):
        first = bucket_of(first - datetime.timedelta(days=1), MONTH)
    return Period(first, today)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    # A date picker (core.forms.bootstrap makes it one).
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput)
    compare = forms.ChoiceField(label=_("Compare with"), choices=COMPARE_CHOICES, required=False)

    def __init__(self, data, *, today: datetime.date):
        super().__init__(data)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        # Dates typed without choosing "custom" mean the reader's own period all the same.
        custom = cleaned.get("period") == CUSTOM or (not cleaned.get("period") and (start or end))
        if not custom or self.errors:
            return cleaned
        if start is None:
            self.add_error("start", _("Enter the first day of the period."))
        if end is None:
            self.add_error("end", _("Enter the last day of the period."))
        if start and end:
            for field, messages in period_errors(start, end).items():
                for message in messages:
                    self.add_error(field, message)
        cleaned["period"] = CUSTOM
        return cleaned

    def chosen(self) -> tuple[Period, str]:
        """The period and the comparison asked for; this month against the previous period where the form has
        errors."""
        if not self.is_valid():
            return preset_period(THIS_MONTH, self.today), PREVIOUS
        data = self.cleaned_data
        compare = data.get("compare") or PREVIOUS
        if data.get("period") == CUSTOM:
            return Period(data["start"], data["end"]), compare
        return preset_period(data.get("period") or THIS_MONTH, self.today), compare

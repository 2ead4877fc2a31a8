"""The forms of the targets pages: the period picker (a year, a quarter or a month), one target, and a year's twelve
months for one subject. The services check everything again; these forms offer only what the reader may choose."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.dates import MONTHS as MONTH_NAMES
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.models import Department
from gendan.core.forms import BootstrapForm, DecimalInput

from .metrics import get_metric
from .models import PeriodKind, SubjectKind
from .models.targets import FIRST_YEAR, LAST_YEAR
from .services_targets import MONTHS
from .targets import SELLERS, Sight, TargetPeriod, may_set, target_metrics_for

QUARTERS = [(quarter, _("Q%(quarter)s") % {"quarter": quarter}) for quarter in range(1, 5)]
MONTH_CHOICES = [(month, MONTH_NAMES[month]) for month in MONTHS]


def _metric_choices(user) -> list:
    return [(name, get_metric(name).label) for name in target_metrics_for(user)]


class TargetPeriodForm(BootstrapForm):
    """Which metric over which year, quarter or month; this month of the first metric by default."""

    metric = forms.ChoiceField(label=_("Metric"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=QUARTERS, coerce=int, required=False)
    month = forms.TypedChoiceField(
        label=pgettext_lazy("period", "Month"), choices=MONTH_CHOICES, coerce=int, required=False
    )

    def __init__(self, data, *, user, today):
        self.user, self.today = user, today
        super().__init__(data)

    def setup_fields(self):
        self.fields["metric"].choices = _metric_choices(self.user)

    def chosen(self) -> tuple[str, TargetPeriod]:
        """The metric and period asked for; this month of the first metric where the form has errors."""
        data = self.cleaned_data if self.is_valid() else {}
        metric = data.get("metric") or self.fields["metric"].choices[0][0]
        kind = data.get("period") or PeriodKind.MONTH
        year = data.get("year") or self.today.year
        if kind == PeriodKind.QUARTER:
            return metric, TargetPeriod(kind, year, quarter=data.get("quarter") or (self.today.month - 1) // 3 + 1)
        if kind == PeriodKind.MONTH:
            return metric, TargetPeriod(kind, year, month=data.get("month") or self.today.month)
        return metric, TargetPeriod(kind, year)


def subject_choices(user, sight: Sight) -> list:
    """("company" | "team:<id>" | "rep:<id>", label) of every subject `user` may set targets for; one query."""
    choices = []
    if may_set(user, SubjectKind.COMPANY, None, None, sight):
        choices.append(("company", _("Company")))
    for pk, depth in sight.tree.with_depth(sight.roots):
        if may_set(user, SubjectKind.TEAM, pk, None, sight):
            choices.append((f"team:{pk}", "\u2003" * depth + sight.tree.names[pk]))
    people = get_user_model().objects.filter(is_active=True, role__in=SELLERS)
    if not sight.company:
        people = people.filter(department_id__in=sight.teams)
    for person in people.only("username", "first_name", "last_name", "department"):
        if may_set(user, SubjectKind.REP, None, person, sight):
            team = sight.tree.names.get(person.department_id)
            choices.append((f"rep:{person.pk}", f"{person} ({team})" if team else str(person)))
    return choices


def subject_fields(value: str) -> dict:
    """{"team": Department} / {"owner": User} / {} for the company, from a subject choice the form accepted."""
    kind, _colon, key = value.partition(":")
    if kind == "team":
        return {"team": Department.objects.get(pk=int(key))}
    if kind == "rep":
        return {"owner": get_user_model().objects.get(pk=int(key))}
    return {}


class _SubjectForm(BootstrapForm):
    subject = forms.ChoiceField(label=pgettext_lazy("target", "For"))
    metric = forms.ChoiceField(label=_("Metric"))
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, data=None, *, user, subjects, initial=None):
        self.user, self.subjects = user, subjects
        super().__init__(data, initial=initial)

    def setup_fields(self):
        self.fields["subject"].choices = self.subjects
        self.fields["metric"].choices = _metric_choices(self.user)


class TargetForm(_SubjectForm):
    """One target: a subject, a metric, a year, a quarter or a month, and the amount."""

    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=[("", "—"), *QUARTERS], coerce=int, required=False)
    month = forms.TypedChoiceField(
        label=pgettext_lazy("period", "Month"), choices=[("", "—"), *MONTH_CHOICES], coerce=int, required=False
    )
    amount = forms.DecimalField(label=_("Target"), min_value=0, max_digits=14, decimal_places=2, widget=DecimalInput)


class TargetMonthsForm(_SubjectForm):
    """A year's twelve monthly targets of one subject; a month left blank has none."""

    def setup_fields(self):
        super().setup_fields()
        for month in MONTHS:
            self.fields[f"month_{month}"] = forms.DecimalField(
                label=MONTH_NAMES[month],
                min_value=0,
                max_digits=14,
                decimal_places=2,
                required=False,
                widget=DecimalInput,
            )

    def month_fields(self):
        return [self[f"month_{month}"] for month in MONTHS]

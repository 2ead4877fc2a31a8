"""The report builder: plain fields for what the service checks (services_reports.report_checked), people, teams,
products and customers picked by name as one types (core.lookups), never listed whole."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import department_picker, user_picker
from gendan.accounts.models import Department
from gendan.accounts.scoping import department_subtree_ids
from gendan.catalog.lookups import product_picker
from gendan.core.forms import bootstrap
from gendan.crm.lookups import customer_picker

from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION, TEAM
from .models import ReportSchedule, SavedReport
from .reports import CUSTOM, DIMENSIONS, GROUPING_LABELS, PERIODS, measures_for

_PICKED = (OWNER, TEAM, PRODUCT, CUSTOMER)
# A service error on a field the form names otherwise.
_FIELD_OF = {"dimensions": "dimension", "filters": None}


class ReportForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    dimension = forms.ChoiceField(label=_("Rows by"), choices=[])
    then_by = forms.ChoiceField(label=_("Then by"), choices=[], required=False)
    measures = forms.MultipleChoiceField(label=_("Measures"), choices=[], widget=forms.CheckboxSelectMultiple)
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput)
    owner = forms.IntegerField(label=_("Owner"), required=False, widget=user_picker())
    team = forms.IntegerField(label=_("Team"), required=False, widget=department_picker())
    region = forms.CharField(label=_("Region"), max_length=50, required=False)
    product = forms.IntegerField(label=_("Product"), required=False, widget=product_picker())
    customer = forms.IntegerField(label=_("Customer"), required=False, widget=customer_picker())
    shared_with = forms.TypedChoiceField(
        label=_("Share with"), choices=[], coerce=int, required=False, empty_value=None
    )
    schedule = forms.ChoiceField(label=_("Send"), choices=ReportSchedule.choices)
    send_at = forms.TimeField(label=_("At"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, data=None, *, user, report: SavedReport | None = None):
        super().__init__(data, initial=_initial(report))
        self.user = user
        groupings = [(name, GROUPING_LABELS[name]) for name in DIMENSIONS]
        self.fields["dimension"].choices = groupings
        self.fields["then_by"].choices = [("", _("Nothing else")), *groupings]
        self.fields["measures"].choices = [(measure.name, measure.label) for measure in measures_for(user)]
        teams = (
            Department.objects.filter(pk__in=department_subtree_ids(user.department)).order_by("name")
            if user.department_id
            else []
        )
        self.fields["shared_with"].choices = [("", _("Nobody")), *((team.pk, team.name) for team in teams)]
        for name in _PICKED:
            # The picker names the chosen record as this reader may see it.
            self.fields[name].widget.user = user
        bootstrap(self)

    def definition(self) -> dict:
        """The report's fields as the service takes them (to check, save or show unsaved)."""
        data = self.cleaned_data
        filters = {name: [data[name]] for name in _PICKED if data.get(name) is not None}
        if data.get("region"):
            filters[REGION] = [data["region"]]
        filters["period"] = data["period"]
        if data["period"] == CUSTOM:
            filters |= {key: data[key].isoformat() if data.get(key) else None for key in ("start", "end")}
        return {
            "name": data.get("name", ""),
            "dimensions": [data["dimension"], *([data["then_by"]] if data.get("then_by") else [])],
            "measures": data["measures"],
            "filters": filters,
            "shared_with": data.get("shared_with"),
            "schedule": data["schedule"],
            "send_at": data["send_at"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            field = _FIELD_OF.get(name, name) if name in _FIELD_OF or name in self.fields else None
            for message in messages:
                self.add_error(field, message)
        bootstrap(self)


def _initial(report: SavedReport | None) -> dict:
    if report is None:
        return {"period": "this_month", "schedule": ReportSchedule.NONE, "send_at": "08:00", "dimension": OWNER}
    filters = report.filters
    return {
        "name": report.name,
        "dimension": report.dimensions[0],
        "then_by": report.dimensions[1] if len(report.dimensions) > 1 else "",
        "measures": report.measures,
        "period": filters.get("period", "this_month"),
        "start": filters.get("start"),
        "end": filters.get("end"),
        **{name: filters[name][0] for name in (*_PICKED, REGION) if filters.get(name)},
        "shared_with": report.shared_with_id,
        "schedule": report.schedule,
        "send_at": report.send_at,
    }

"""The rule form: a rule's settings, and its conditions and actions as rows (no JSON to type).

The forms parse; the checks against the models (fields, operators, recipients, placeholders)
live in rules.validation.clean_rule, and come back on the row that caused them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.core.forms import BootstrapForm

from . import conditions as cond
from .models import RuleTrigger, TaskPriority
from .rules import vocabulary
from .rules.records import RECORD_TYPES, model_for
from .rules.validation import ACTION_TYPES

UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]


def split_offset(minutes: int) -> tuple[int, str]:
    """Minutes as the largest whole unit, for showing a stored offset (−1440 → −1 days)."""
    for unit in ("days", "hours"):
        if minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit
    return minutes, "minutes"


def _flat(choices) -> set[str]:
    values = set()
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            values |= {str(v) for v, _label in label}
        else:
            values.add(str(value))
    return values


def offer(choices: list, *current: str) -> list:
    """The choices, plus the current value when it is not among them (a rule written through the API may name
    a verb or field the editor does not list): the page shows it as it is instead of silently dropping it."""
    known = _flat(choices)
    return [*choices, *((value, value) for value in current if value and value not in known)]


class JoinedSelectMultiple(forms.SelectMultiple):
    """A multiple select whose choices reach the form as one comma-separated string, as the service takes them."""

    def value_from_datadict(self, data, files, name):
        return ", ".join(v for v in data.getlist(name) if v) if hasattr(data, "getlist") else data.get(name, "")

    def format_value(self, value):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return super().format_value(value)


class RuleForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    trigger = forms.ChoiceField(label=_("Runs"), choices=RuleTrigger.choices)
    target_model = forms.ChoiceField(label=_("Record type"), choices=list(RECORD_TYPES.items()))
    event_verb = forms.CharField(
        label=_("Event"), required=False, widget=forms.Select(attrs={"data-rule-list": "events"})
    )
    unless_verbs = forms.CharField(
        label=_("Unless one of these happened since"),
        required=False,
        help_text=_("Choose several with Ctrl or ⌘ (on a phone, tick them in the list)."),
        widget=JoinedSelectMultiple(attrs={"data-rule-list": "events", "size": 6}),
    )
    date_field = forms.CharField(
        label=_("Date field"),
        required=False,
        help_text=_("For date rules: the record's date the offset counts from (a date means the end of that day)."),
        widget=forms.Select(attrs={"data-rule-list": "dates"}),
    )
    offset = forms.IntegerField(
        label=_("Offset"), initial=0, help_text=_("Negative: before the date. Positive: after the event or date.")
    )
    offset_unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial="hours")
    business_hours = forms.BooleanField(
        label=_("Count business hours (for delays after an event and for task deadlines)"), required=False
    )
    escalation_hours = forms.CharField(
        label=_("Escalation steps (hours after the task's due time)"),
        required=False,
        help_text=_("e.g. 2, 8, 24: the assignee, then their team leader, then the department head."),
    )

    def setup_fields(self) -> None:
        self.fields["target_model"].widget.attrs["data-rule-record-type"] = ""
        record_type = self.record_type()
        events = vocabulary.event_choices(record_type)
        self.fields["event_verb"].widget.choices = offer([("", "—"), *events], self._current("event_verb"))
        unless = [v.strip() for v in self._current("unless_verbs").split(",")]
        self.fields["unless_verbs"].widget.choices = offer(events, *unless)
        dates = vocabulary.date_fields(model_for(record_type))
        self.fields["date_field"].widget.choices = offer([("", "—"), *dates], self._current("date_field"))

    def _current(self, name: str) -> str:
        if self.is_bound:
            return str(self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name)) or "")
        return str(self.initial.get(name) or "")

    def record_type(self) -> str:
        chosen = self.data.get("target_model") if self.is_bound else self.initial.get("target_model")
        return chosen if chosen in RECORD_TYPES else next(iter(RECORD_TYPES))

    def rule_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["offset_minutes"] = data.pop("offset") * UNITS[data.pop("offset_unit")]
        return data


class RowForm(BootstrapForm):
    """A condition or action row: its choices depend on the rule's record type."""

    def __init__(self, *args, record_type: str, **kwargs):
        self.record_type = record_type
        super().__init__(*args, **kwargs)

    def _current(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name)) or "")
        return str(self.initial.get(name) or "")


class ConditionForm(RowForm):
    field = forms.CharField(label=_("Field"), required=False, widget=forms.Select(attrs={"data-rule-list": "fields"}))
    op = forms.ChoiceField(label=_("Operator"), required=False, choices=[("", "—"), *cond.OPERATORS.items()])
    value = forms.CharField(
        label=_("Value"),
        required=False,
        help_text=_("Several values: separate them with commas."),
        widget=forms.TextInput(attrs={"data-rule-value": ""}),
    )

    def setup_fields(self) -> None:
        fields = [(spec["value"], spec["label"]) for spec in vocabulary.condition_fields(model_for(self.record_type))]
        self.fields["field"].widget.choices = offer([("", "—"), *fields], self._current("field"))

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("field") or self.cleaned_data.get("op") or self.cleaned_data.get("value"))

    def row(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("field", "op", "value")}


class ActionForm(RowForm):
    type = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", "—"), *ACTION_TYPES.items()],
        widget=forms.Select(attrs={"data-rule-action": ""}),
    )
    recipient = forms.CharField(label=_("For"), required=False, widget=forms.Select)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        help_text=_(
            "For an e-mail to the customer: its subject. "
            "May use {record}, {number}, {customer}, {owner}, {date}, {amount}."
        ),
    )
    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    stage = forms.CharField(label=_("Stage"), required=False, widget=forms.Select(attrs={"data-rule-list": "stages"}))
    due_in_hours = forms.DecimalField(label=_("Due in (hours)"), required=False, min_value=0, decimal_places=2)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL)

    def __init__(self, *args, people: list[tuple[str, str]], **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        recipients = vocabulary.recipient_choices(self.people)
        self.fields["recipient"].widget.choices = offer([("", "—"), *recipients], self._current("recipient"))
        stages = vocabulary.stage_choices(self.record_type)
        self.fields["stage"].widget.choices = offer([("", "—"), *stages], self._current("stage"))

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("type") or self.cleaned_data.get("title"))

    def row(self) -> dict:
        data = self.cleaned_data
        if data.get("type") == "set_responsible":
            return {"type": "set_responsible", "recipient": data.get("recipient"), "stage": data.get("stage")}
        row = {"type": data.get("type"), "title": data.get("title")}
        if data.get("type") == "email_customer":
            return {**row, "body": data.get("body")}
        if data.get("type") == "create_task":
            hours = data.get("due_in_hours")
            row.update(
                assignee=data.get("recipient"),
                due_in_hours=float(hours) if hours is not None else None,
                priority=data.get("priority"),
            )
        else:
            row.update(recipient=data.get("recipient"), body=data.get("body"))
        return row

    @staticmethod
    def initial_for(action: dict) -> dict:
        return {**action, "recipient": action.get("assignee") or action.get("recipient")}

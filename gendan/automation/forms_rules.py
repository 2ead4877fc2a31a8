"""The rule form: a rule's settings, and its conditions and actions as rows (no JSON to type).

The forms parse; the checks against the models (fields, operators, recipients, placeholders)
live in rules.validation.clean_rule, and come back on the row that caused them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import Role
from gendan.core.forms import BootstrapForm

from . import conditions as cond
from .models import RuleTrigger, TaskPriority
from .rules.records import RECORD_TYPES
from .rules.validation import ACTION_TYPES

UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]


def split_offset(minutes: int) -> tuple[int, str]:
    """Minutes as the largest whole unit, for showing a stored offset (−1440 → −1 days)."""
    for unit in ("days", "hours"):
        if minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit
    return minutes, "minutes"


def offset_label(minutes: int) -> str:
    amount, unit = split_offset(minutes)
    return _("%(amount)s %(unit)s") % {"amount": amount, "unit": dict(UNIT_CHOICES)[unit]}


def recipient_choices():
    return [
        ("owner", _("The record's owner")),
        ("team_leader", _("The owner's team leader")),
        *[(f"role:{value}", _("Role: %(role)s") % {"role": label}) for value, label in Role.choices],
    ]


class RuleForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    trigger = forms.ChoiceField(label=_("Runs"), choices=RuleTrigger.choices)
    target_model = forms.ChoiceField(label=_("Record type"), choices=list(RECORD_TYPES.items()))
    event_verb = forms.CharField(
        label=_("Event"),
        required=False,
        help_text=_("For event rules, e.g. order.submitted."),
        widget=forms.TextInput(attrs={"list": "known-verbs"}),
    )
    unless_verbs = forms.CharField(
        label=_("Unless one of these happened since"),
        required=False,
        help_text=_("Events separated by commas, e.g. order.approved, order.cancelled."),
        widget=forms.TextInput(attrs={"list": "known-verbs"}),
    )
    date_field = forms.CharField(
        label=_("Date field"),
        required=False,
        help_text=_("For date rules: the record's date the offset counts from (a date means the end of that day)."),
        widget=forms.TextInput(attrs={"list": "date-fields"}),
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

    def rule_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["offset_minutes"] = data.pop("offset") * UNITS[data.pop("offset_unit")]
        return data


class ConditionForm(BootstrapForm):
    field = forms.CharField(label=_("Field"), required=False, widget=forms.TextInput(attrs={"list": "model-fields"}))
    op = forms.ChoiceField(label=_("Operator"), required=False, choices=[("", "—"), *cond.OPERATORS.items()])
    value = forms.CharField(label=_("Value"), required=False, help_text=_("Several values: separate them with commas."))

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("field") or self.cleaned_data.get("op") or self.cleaned_data.get("value"))

    def row(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("field", "op", "value")}


class ActionForm(BootstrapForm):
    type = forms.ChoiceField(label=_("Action"), required=False, choices=[("", "—"), *ACTION_TYPES.items()])
    recipient = forms.CharField(
        label=_("For"),
        required=False,
        help_text=_("owner, team_leader, role:finance or user:<id>"),
        widget=forms.TextInput(attrs={"list": "recipients"}),
    )
    title = forms.CharField(
        label=_("Title"), required=False, help_text=_("May use {record}, {number}, {customer}, {owner}, {date}.")
    )
    body = forms.CharField(label=_("Message"), required=False)
    stage = forms.CharField(label=_("Stage"), required=False, help_text=_("For a responsible person, e.g. confirmed."))
    due_in_hours = forms.DecimalField(label=_("Due in (hours)"), required=False, min_value=0, decimal_places=2)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL)

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("type") or self.cleaned_data.get("title"))

    def row(self) -> dict:
        data = self.cleaned_data
        if data.get("type") == "set_responsible":
            return {"type": "set_responsible", "recipient": data.get("recipient"), "stage": data.get("stage")}
        row = {"type": data.get("type"), "title": data.get("title")}
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

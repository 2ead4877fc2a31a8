"""The approval rule editor and the delegation form: plain fields the service turns into a rule."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.core.forms import bootstrap

from .approval_rules import CONDITIONS, approver_choices
from .models import ApprovalMode, ApprovalRule, ApprovalSubject


class ApprovalRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=ApprovalSubject.choices)
    match = forms.ChoiceField(
        label=_("Needs approval when"), choices=ApprovalRule.Match.choices, widget=forms.RadioSelect
    )
    active = forms.BooleanField(label=_("Active"), required=False)
    position = forms.IntegerField(
        label=_("Order among the rules"),
        min_value=0,
        max_value=32767,
        help_text=_("Levels of several rules that apply are passed in this order."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rule: ApprovalRule | None = None, **kwargs):
        if rule is not None:
            kwargs.setdefault("initial", _initial_of(rule))
        else:
            kwargs.setdefault("initial", {"applies_to": ApprovalSubject.ORDER, "match": "any", "active": True})
        super().__init__(*args, **kwargs)
        self.condition_fields = []
        for kind, condition in CONDITIONS.items():
            self.fields[f"condition_{kind}"] = forms.BooleanField(label=condition.label, required=False)
            parameter = None
            if condition.parameter is not None:
                name, label, unit = condition.parameter
                field_class = forms.DecimalField if unit == "amount" else forms.IntegerField
                parameter = f"condition_{kind}_{name}"
                self.fields[parameter] = field_class(label=label, required=False, min_value=0)
            self.condition_fields.append((f"condition_{kind}", parameter))
        bootstrap(self)

    def conditions_bound(self):
        """(checkbox, parameter or None) bound fields, for the template."""
        return [(self[check], self[parameter] if parameter else None) for check, parameter in self.condition_fields]

    def conditions(self) -> list[dict]:
        data = self.cleaned_data
        chosen = []
        for kind, condition in CONDITIONS.items():
            if not data.get(f"condition_{kind}"):
                continue
            entry = {"type": kind}
            if condition.parameter is not None:
                name = condition.parameter[0]
                value = data.get(f"condition_{kind}_{name}")
                entry[name] = "" if value is None else str(value)
            chosen.append(entry)
        return chosen


def _initial_of(rule: ApprovalRule) -> dict:
    initial = {
        "name": rule.name,
        "applies_to": rule.applies_to,
        "match": rule.match,
        "active": rule.active,
        "position": rule.position,
        "version": rule.version,
    }
    for condition in rule.conditions:
        kind = condition["type"]
        initial[f"condition_{kind}"] = True
        for key, value in condition.items():
            if key != "type":
                initial[f"condition_{kind}_{key}"] = value
    return initial


class ApprovalLevelForm(forms.Form):
    approvers = forms.MultipleChoiceField(
        label=_("Decided by"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several; a row with nobody chosen is ignored."),
    )
    mode = forms.ChoiceField(label=_("How"), choices=ApprovalMode.choices, initial=ApprovalMode.ANY)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approvers"].choices = choices
        bootstrap(self)

    def level(self) -> dict | None:
        approvers = self.cleaned_data.get("approvers") or []
        if not approvers:
            return None
        return {"approvers": approvers, "mode": self.cleaned_data.get("mode") or ApprovalMode.ANY}


def level_forms(data, levels: list[dict], count: int) -> list[ApprovalLevelForm]:
    choices = approver_choices()
    return [
        ApprovalLevelForm(
            data,
            choices=choices,
            prefix=f"levels-{i}",
            initial=levels[i] if i < len(levels) else None,
        )
        for i in range(count)
    ]


class DelegationForm(forms.Form):
    # Asked of the server as one types (accounts.lookups), never a list of every user in the page.
    delegate = forms.ModelChoiceField(
        label=_("Delegate"), queryset=get_user_model().objects.none(), widget=user_picker()
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = get_user_model().objects.filter(is_active=True).exclude(pk=user.pk)
        self.fields["delegate"].widget.user = user
        bootstrap(self)

"""The alert rule editor: plain fields the service turns into a rule (what each kind needs is the service's to say)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import Role
from gendan.core.forms import BootstrapForm, DecimalInput

from .alerts import RULE_FIELDS, alert_metrics
from .models import AlertCompare, AlertKind, AlertPeriod, AlertRule

_NONE = [("", "—")]


class AlertRuleForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Watch for"), choices=AlertKind.choices)
    active = forms.BooleanField(label=_("Active"), required=False)
    # A metric's fall
    metric = forms.ChoiceField(label=_("Metric"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=_NONE + AlertPeriod.choices, required=False)
    compare = forms.ChoiceField(label=_("Compared with"), choices=_NONE + AlertCompare.choices, required=False)
    threshold_percent = forms.DecimalField(
        label=_("Fall of more than (%)"), required=False, max_digits=5, decimal_places=1, widget=DecimalInput
    )
    minimum_base = forms.DecimalField(
        label=_("Only when the compared figure is at least"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=DecimalInput,
        help_text=_("A fall on a smaller figure is noise: 2 orders after 3 is a third fewer."),
    )
    # A customer who stops ordering; an unusual quantity
    minimum_orders = forms.IntegerField(
        label=_("Past orders needed"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=_(
            "A customer who stops: their confirmed orders, at least 2. A quantity: the customer's past orders of the "
            "product, to judge by."
        ),
    )
    stopped_days = forms.IntegerField(
        label=_("No order for more than (days)"), required=False, min_value=0, max_value=32767
    )
    interval_multiple = forms.DecimalField(
        label=_("And more than this many times the usual gap"),
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=DecimalInput,
        help_text=_("The usual gap is the average time between the customer's orders; the longer of the two counts."),
    )
    quantity_multiple = forms.DecimalField(
        label=_("Quantity more than this many times the usual, or less than its fraction"),
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=DecimalInput,
    )
    history_orders = forms.IntegerField(
        label=_("Usual quantity: the median of the last orders (how many)"),
        required=False,
        min_value=0,
        max_value=32767,
    )
    # Who is told
    recipient_users = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    recipient_role = forms.ChoiceField(label=_("Everyone with the role"), choices=_NONE + Role.choices, required=False)
    owners_and_leaders = forms.BooleanField(
        label=_("Each owner of customers, about their own records, and their leader, about their team's"),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rule: AlertRule | None = None, **kwargs):
        if rule is not None:
            initial = {name: getattr(rule, name) for name in RULE_FIELDS}
            initial |= {"recipient_users": list(rule.recipient_users.all()), "version": rule.version}
        else:
            initial = {"kind": AlertKind.METRIC_DROP, "active": True, "threshold_percent": 15, "minimum_base": 0}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        self.fields["metric"].choices = _NONE + [(metric.name, metric.label) for metric in alert_metrics()]
        self.fields["recipient_users"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("username")
            .only("pk", "username", "first_name", "last_name")
        )

    def sections(self) -> list:
        """(heading, bound fields) for the editor: each kind's settings, the one they share, and who is told."""
        named = [
            (_("When a metric falls"), ["metric", "period", "compare", "threshold_percent", "minimum_base"]),
            (_("When a customer stops ordering"), ["stopped_days", "interval_multiple"]),
            (_("When an order's quantity is unusual"), ["quantity_multiple", "history_orders"]),
            (_("For customers and quantities"), ["minimum_orders"]),
            (_("Who is told"), ["recipient_users", "recipient_role", "owners_and_leaders"]),
        ]
        return [(heading, [self[name] for name in names]) for heading, names in named]

    def service_input(self) -> dict:
        """The service's keyword arguments: blank choices as "", numbers as given (None when left empty)."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

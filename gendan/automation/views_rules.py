"""Rule screens: list, edit, switch off, and "which records would this rule hit now?"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors

from .forms_rules import ActionForm, ConditionForm, RuleForm, split_offset
from .models import Rule, RuleTrigger, ScheduledCheck
from .rules import services as rule_services
from .rules import vocabulary
from .rules.describe import RuleDescriber, describe_rule
from .rules.preview import rule_matches
from .rules.records import RECORD_TYPES, owner_of, record_url
from .rules.validation import RULE_FIELDS

# Rows shown below the last filled one, so a new condition or action needs no extra click.
SPARE_ROWS = 1
TEST_PAGE_ROWS = 50


def _row_count(request, prefix: str, filled: int) -> int:
    wanted = filled + SPARE_ROWS
    if request.method == "POST":
        try:
            wanted = max(int(request.POST.get(f"{prefix}-count", 0)), 1)
        except ValueError:
            wanted = 1
        if f"add_{prefix}" in request.POST:
            wanted += 1
    return min(wanted, 20)


def _forms(request, rule: Rule | None):
    data = request.POST if request.method == "POST" else None
    stored_conditions = rule.conditions if rule else []
    stored_actions = rule.actions if rule else [{"type": "create_task", "assignee": "owner"}]
    if rule is not None:
        amount, unit = split_offset(rule.offset_minutes)
        initial = {
            **{name: getattr(rule, name) for name in RULE_FIELDS},
            "unless_verbs": ", ".join(rule.unless_verbs),
            "escalation_hours": ", ".join(str(h) for h in rule.escalation_hours),
            "offset": amount,
            "offset_unit": unit,
        }
    else:
        initial = {"trigger": RuleTrigger.EVENT, "offset": 0, "offset_unit": "hours"}
    form = RuleForm(data, initial=initial)
    record_type = form.record_type()
    people = vocabulary.people()
    conditions = [
        ConditionForm(
            data,
            record_type=record_type,
            prefix=f"conditions-{i}",
            initial=_condition_initial(stored_conditions[i]) if i < len(stored_conditions) else None,
        )
        for i in range(_row_count(request, "conditions", len(stored_conditions)))
    ]
    actions = [
        ActionForm(
            data,
            record_type=record_type,
            people=people,
            prefix=f"actions-{i}",
            initial=ActionForm.initial_for(stored_actions[i]) if i < len(stored_actions) else None,
        )
        for i in range(_row_count(request, "actions", len(stored_actions)))
    ]
    return form, conditions, actions, people


def _condition_initial(row: dict) -> dict:
    value = row.get("value")
    return {**row, "value": ", ".join(str(v) for v in value) if isinstance(value, list) else value}


def _save(request, rule: Rule | None, form, conditions, actions):
    """Call the service with the rows that were filled in; errors go back on the row they came from."""
    if not (form.is_valid() and all(f.is_valid() for f in [*conditions, *actions])):
        return None
    filled_conditions = [f for f in conditions if not f.is_blank()]
    filled_actions = [f for f in actions if not f.is_blank()]
    fields = {
        **form.rule_fields(),
        "conditions": [f.row() for f in filled_conditions],
        "actions": [f.row() for f in filled_actions],
    }
    try:
        if rule is None:
            return rule_services.rule_create(actor=request.user, **fields)
        return rule_services.rule_update(rule=rule, actor=request.user, **fields)
    except ValidationError as exc:
        renamed = {
            key.replace(".assignee", ".recipient").replace("offset_minutes", "offset"): value
            for key, value in exc.message_dict.items()
        }
        add_service_errors(
            ValidationError(renamed),
            {
                "": form,
                **{f"conditions.{i}": f for i, f in enumerate(filled_conditions)},
                **{f"actions.{i}": f for i, f in enumerate(filled_actions)},
            },
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    return None


def _form_page(request, rule: Rule | None):
    form, conditions, actions, people = _forms(request, rule)
    adding_row = any(f"add_{prefix}" in request.POST for prefix in ("conditions", "actions"))
    if request.method == "POST" and not adding_row:
        saved = _save(request, rule, form, conditions, actions)
        if saved is not None:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("automation:rule_list")
    return render(
        request,
        "automation/rules/rule_form.html",
        {
            "rule": rule,
            "form": form,
            "conditions": conditions,
            "actions": actions,
            "editor_map": vocabulary.editor_map(people),
        },
    )


@login_required
@permission_required("automation.view_rule", raise_exception=True)
def rule_list(request):
    now = timezone.now()
    # Only the appointments already due (a few, through the partial index), never all the waiting ones:
    # counting those would walk the whole table on every visit.
    due = (
        ScheduledCheck.objects.filter(rule=OuterRef("pk"), done_at__isnull=True, due_at__lte=now)
        .order_by()
        .values("rule")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rule_rows = list(Rule.objects.annotate(overdue=Coalesce(Subquery(due), 0)).order_by("-is_active", "name"))
    describer = RuleDescriber(rule_rows)
    for rule in rule_rows:
        rule.record_type = RECORD_TYPES.get(rule.target_model, rule.target_model)
        rule.sentence = describer.sentence(rule)
    return render(request, "automation/rules/rule_list.html", {"rules": rule_rows})


@login_required
@permission_required("automation.add_rule", raise_exception=True)
def rule_create(request):
    return _form_page(request, None)


@login_required
@permission_required("automation.change_rule", raise_exception=True)
def rule_edit(request, pk):
    return _form_page(request, get_object_or_404(Rule, pk=pk))


@login_required
@permission_required("automation.change_rule", raise_exception=True)
@require_POST
def rule_toggle(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    rule = rule_services.rule_toggle(rule=rule, actor=request.user, is_active=request.POST.get("is_active") == "1")
    if rule.is_active:
        messages.success(request, _("Rule “%(name)s” switched on.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” switched off.") % {"name": rule.name})
    return redirect("automation:rule_list")


@login_required
@permission_required("automation.view_rule", raise_exception=True)
def rule_test(request, pk):
    """The records the rule would act on now, and its appointments: what an administrator checks before trusting it."""
    rule = get_object_or_404(Rule, pk=pk)
    now = timezone.now()
    matches = rule_matches(rule, now).order_by("pk")
    owner_path = getattr(matches, "owner_path", None)
    if owner_path:
        matches = matches.select_related(owner_path)  # the owner column, without a query per row
    checks = ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).aggregate(
        pending=Count("pk"), due=Count("pk", filter=Q(due_at__lte=now))
    )
    records = list(matches[:TEST_PAGE_ROWS])
    return render(
        request,
        "automation/rules/rule_test.html",
        {
            "rule": rule,
            "records": [(record, owner_of(record), record_url(record)) for record in records],
            "total": matches.count(),
            "checks": checks,
            "now": now,
            "shown": TEST_PAGE_ROWS,
            "sentence": describe_rule(rule),
        },
    )


urlpatterns = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/", rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/test/", rule_test, name="rule_test"),
]

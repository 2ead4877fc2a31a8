"""Approval rules (administrators) and delegation while away (every approver)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import run_service

from .approval_rules import CONDITIONS, approver_choices
from .forms_approvals import ApprovalRuleForm, DelegationForm, level_forms
from .models import ApprovalDelegation, ApprovalMode, ApprovalRule
from .services_approvals import (
    MANAGE_RULES,
    approval_delegation_create,
    approval_delegation_end,
    approval_rule_create,
    approval_rule_delete,
    approval_rule_update,
)

MAX_LEVELS = 10


def describe_conditions(rule: ApprovalRule) -> list[str]:
    texts = []
    for condition in rule.conditions:
        definition = CONDITIONS[condition["type"]]
        text = str(definition.label)
        if definition.parameter is not None:
            text = f"{text} {condition[definition.parameter[0]]}"
        texts.append(text)
    return texts


def describe_levels(rule: ApprovalRule, names: dict[str, str]) -> list[str]:
    return [
        "{}: {}".format(
            ApprovalMode(level["mode"]).label, ", ".join(names.get(spec, spec) for spec in level["approvers"])
        )
        for level in rule.levels
    ]


@login_required
@permission_required("sales.view_approvalrule", raise_exception=True)
def rule_list_view(request):
    rules = list(ApprovalRule.objects.all())
    names = dict(approver_choices())
    for rule in rules:
        rule.condition_texts = describe_conditions(rule)
        rule.level_texts = describe_levels(rule, names)
    return render(request, "sales/approvals/rule_list.html", {"rules": rules})


def _level_count(request, stored: int) -> int:
    wanted = stored + 1
    if request.method == "POST":
        try:
            wanted = max(int(request.POST.get("levels-count", 1)), 1)
        except ValueError:
            wanted = 1
        if "add_level" in request.POST:
            wanted += 1
    return min(wanted, MAX_LEVELS)


def _save_rule(actor, rule: ApprovalRule | None, form, levels) -> ApprovalRule:
    fields = {
        **{name: form.cleaned_data[name] for name in ("name", "applies_to", "match", "active", "position")},
        "conditions": form.conditions(),
        "levels": [level.level() for level in levels if level.level() is not None],
    }
    if rule is None:
        return approval_rule_create(actor=actor, **fields)
    return approval_rule_update(rule=rule, actor=actor, version=form.cleaned_data.get("version"), **fields)


def _rule_form_page(request, rule: ApprovalRule | None):
    data = request.POST if request.method == "POST" else None
    form = ApprovalRuleForm(data, rule=rule)
    stored_levels = rule.levels if rule else []
    levels = level_forms(data, stored_levels, _level_count(request, len(stored_levels)))
    submitted = data is not None and "add_level" not in request.POST
    if submitted and form.is_valid() and all(level.is_valid() for level in levels):
        saved = run_service(form, lambda: _save_rule(request.user, rule, form, levels))
        if saved is not None:
            messages.success(request, _("Approval rule saved."))
            return redirect("approvals:rule_list")
    status = 400 if submitted else 200
    return render(
        request,
        "sales/approvals/rule_form.html",
        {"form": form, "levels": levels, "rule": rule},
        status=status,
    )


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_create_view(request):
    return _rule_form_page(request, None)


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_edit_view(request, pk):
    return _rule_form_page(request, get_object_or_404(ApprovalRule, pk=pk))


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_POST
def rule_toggle_view(request, pk):
    rule = get_object_or_404(ApprovalRule, pk=pk)
    try:
        approval_rule_update(rule=rule, actor=request.user, active=request.POST.get("active") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        # A rule naming someone who has left since: switching it is refused until its levels are mended.
        messages.error(request, f"{rule.name}: {' '.join(exc.messages)}")
    return redirect("approvals:rule_list")


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_POST
def rule_delete_view(request, pk):
    rule = get_object_or_404(ApprovalRule, pk=pk)
    try:
        approval_rule_delete(rule=rule, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approval rule deleted."))
    return redirect("approvals:rule_list")


@login_required
def delegations_view(request):
    """My delegations: who decides my approvals while I am away, and whose I decide."""
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = run_service(form, lambda: approval_delegation_create(actor=request.user, **form.cleaned_data))
        if created is not None:
            messages.success(
                request, _("Your approvals go to %(delegate)s on those days.") % {"delegate": created.delegate}
            )
            return redirect("approvals:delegations")
    today = timezone.localdate()
    mine = ApprovalDelegation.objects.filter(delegator=request.user, ends_on__gte=today).select_related("delegate")
    for_me = ApprovalDelegation.objects.filter(delegate=request.user, ends_on__gte=today).select_related("delegator")
    return render(
        request,
        "sales/approvals/delegations.html",
        {"form": form, "mine": mine, "for_me": for_me, "today": today},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def delegation_end_view(request, pk):
    delegation = get_object_or_404(ApprovalDelegation, pk=pk, delegator=request.user)
    approval_delegation_end(delegation=delegation, actor=request.user)
    messages.success(request, _("Delegation ended."))
    return redirect("approvals:delegations")

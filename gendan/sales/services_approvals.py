"""Approval rules, delegations and the decisions of each level: the one engine every approval goes through."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import check_version, require_perm
from gendan.crm.models import ContractStatus
from gendan.crm.services_contracts import contract_approval_refused, contract_approved, lock_contract

from .approval_rules import (
    ApprovalFacts,
    ApprovalPlan,
    clean_conditions,
    clean_levels,
    level_approvers,
    plan_approval,
    reason_text,
)
from .models import ApprovalDelegation, ApprovalMode, ApprovalRequest, ApprovalRule, ApprovalStep, ApprovalSubject

RULE_FIELDS = ["name", "applies_to", "conditions", "match", "levels", "active", "refuses", "position"]
MANAGE_RULES = "sales.change_approvalrule"


# --- rules -------------------------------------------------------------------------------------


def _clean_rule(rule: ApprovalRule) -> None:
    errors = {}
    rule.name = (rule.name or "").strip()
    if not rule.name:
        errors["name"] = [_("Name the rule.")]
    elif ApprovalRule.objects.filter(applies_to=rule.applies_to, name=rule.name).exclude(pk=rule.pk).exists():
        errors["name"] = [_("Another rule for the same records has this name.")]
    if rule.applies_to not in ApprovalSubject.values:
        errors["applies_to"] = [_("Choose what the rule applies to.")]
    if rule.match not in ApprovalRule.Match.values:
        errors["match"] = [_("Choose whether any condition or all of them must hold.")]
    rule.conditions, condition_errors = clean_conditions(rule.conditions)
    if condition_errors:
        errors["conditions"] = condition_errors
    rule.refuses = bool(rule.refuses)
    rule.levels, level_errors = clean_levels(rule.levels, required=not rule.refuses)
    if level_errors:
        errors["levels"] = level_errors
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def approval_rule_create(*, actor, **data) -> ApprovalRule:
    require_perm(actor, MANAGE_RULES)
    rule = ApprovalRule(**{field: value for field, value in data.items() if field in RULE_FIELDS})
    _clean_rule(rule)
    rule.save()
    events.record(actor, "approval_rule.created", rule, data=events.snapshot(rule, RULE_FIELDS))
    return rule


@transaction.atomic
def approval_rule_update(*, rule: ApprovalRule, actor, version=None, **data) -> ApprovalRule:
    require_perm(actor, MANAGE_RULES)
    rule = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
    check_version(rule, version)
    before = events.snapshot(rule, RULE_FIELDS)
    for field, value in data.items():
        if field in RULE_FIELDS:
            setattr(rule, field, value)
    _clean_rule(rule)
    rule.version += 1
    rule.save()
    events.record(actor, "approval_rule.updated", rule, changes=events.diff(before, events.snapshot(rule, RULE_FIELDS)))
    return rule


@transaction.atomic
def approval_rule_delete(*, rule: ApprovalRule, actor) -> None:
    """Requests already under way keep the levels they were given; only new submissions change."""
    require_perm(actor, MANAGE_RULES)
    if rule.system_key:
        raise ApplicationError(
            _("A rule Gendan ships cannot be deleted; switch it off instead."),
            ErrorCode.NOT_EDITABLE,
            {"system_key": rule.system_key},
        )
    events.record(actor, "approval_rule.deleted", rule, data=events.snapshot(rule, RULE_FIELDS))
    rule.delete()


# --- delegation --------------------------------------------------------------------------------


@transaction.atomic
def approval_delegation_create(
    *, actor, delegate, starts_on: datetime.date, ends_on: datetime.date, delegator=None
) -> ApprovalDelegation:
    """While `delegator` (the actor, or anyone for an administrator) is away, `delegate` decides in their place."""
    delegator = delegator or actor
    if delegator.pk != actor.pk:
        require_perm(actor, MANAGE_RULES)
    errors = {}
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("Choose an active user.")]
    elif delegate.pk == delegator.pk:
        errors["delegate"] = [_("Choose someone else.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    if errors:
        raise ValidationError(errors)
    delegation = ApprovalDelegation.objects.create(
        delegator=delegator, delegate=delegate, starts_on=starts_on, ends_on=ends_on
    )
    events.record(
        actor,
        "approval_delegation.created",
        delegation,
        data={"delegator": delegator.pk, "delegate": delegate.pk, "starts_on": starts_on, "ends_on": ends_on},
    )
    return delegation


@transaction.atomic
def approval_delegation_end(*, delegation: ApprovalDelegation, actor) -> ApprovalDelegation:
    """Back early: the delegation ends yesterday (or is dropped, if it had not begun)."""
    if delegation.delegator_id != actor.pk:
        require_perm(actor, MANAGE_RULES)
    today = timezone.localdate()
    events.record(actor, "approval_delegation.ended", delegation)
    if delegation.starts_on >= today:
        delegation.delete()
        return delegation
    delegation.ends_on = min(delegation.ends_on, today - datetime.timedelta(days=1))
    delegation.save(update_fields=["ends_on", "updated_at"])
    return delegation


# --- requests ----------------------------------------------------------------------------------


def approval_plan(subject: str, facts: ApprovalFacts) -> ApprovalPlan:
    """What the active rules for `subject` ask of this submission; refused (409 refused_by_rule) when a rule that
    refuses applies."""
    plan = plan_approval(subject, facts)
    if plan.refusals:
        refusal = plan.refusals[0]
        raise ApplicationError(
            _("Refused by the rule “%(rule)s”: %(reasons)s")
            % {"rule": refusal["rule"], "reasons": " ".join(reason_text(r) for r in refusal["reasons"])},
            ErrorCode.REFUSED_BY_RULE,
            {"rule": refusal["rule"], "reasons": refusal["reasons"]},
        )
    return plan


def approval_open(
    *, record, plan: ApprovalPlan, actor, change_request=None, credit_override=None
) -> ApprovalRequest | None:
    """The approval request the plan asks for `record` (an order — with `change_request`, a change to it, with
    `credit_override`, leave to go past its customer's credit limit —, a quotation or a contract), with every
    level's approvers; None when it asks for none.

    Each level's people are found now, so the approver sees at submission who will decide and a rule
    edited later leaves this request as it was.
    """
    if not plan.levels:
        return None
    reasons, levels = plan.reasons, plan.levels
    subject = {"sales.order": "order", "sales.quotation": "quotation", "crm.contract": "contract"}
    request = ApprovalRequest.objects.create(
        **{subject[record._meta.label_lower]: record},
        change_request=change_request,
        credit_override=credit_override,
        reasons=reasons,
        levels=levels,
        requested_by=actor,
    )
    ApprovalStep.objects.bulk_create(
        ApprovalStep(request=request, level=number, approver=approver)
        for number, level in enumerate(levels, start=1)
        for approver in level_approvers(level, record=record, submitter=actor)
    )
    return request


def _acting_steps(request: ApprovalRequest, actor):
    """The undecided steps of the current level that `actor` may take: their own, or an absent approver's."""
    steps = ApprovalStep.objects.filter(request=request, level=request.level, decision="")
    return steps.filter(approver=actor) | steps.filter(approver__in=ApprovalDelegation.objects.stood_in_for_by(actor))


def _level_waits(request: ApprovalRequest) -> bool:
    return ApprovalStep.objects.filter(request=request, level=request.level, decision="").exists()


def approval_decide(*, request: ApprovalRequest, actor, approve: bool, comment: str) -> bool:
    """Record `actor`'s decision at the request's current level; True when it settles the whole request.

    The caller holds the record's lock; the request is locked here, so two approvers of one level
    decide one after the other. A rejection at any level rejects the request. An approval completes
    a level of "any one of them" at once, and one of "all of them" when its last approver has approved;
    the last level completed approves the request.
    """
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.is_submitted_by(actor):
        raise ApplicationError(
            _("You submitted this for approval; another approver decides it."),
            ErrorCode.OWN_SUBMISSION,
            {"requested_by": request.requested_by_id},
        )
    # Their own step first: someone who is an approver and a delegate decides as themselves.
    step = next(iter(sorted(_acting_steps(request, actor), key=lambda s: (s.approver_id != actor.pk, s.pk))), None)
    if step is None:
        raise ApplicationError(
            _("You are not among the approvers of this level."),
            ErrorCode.PERMISSION_DENIED,
            {"level": request.level},
        )
    now = timezone.now()
    step.decision = ApprovalStep.Decision.APPROVED if approve else ApprovalStep.Decision.REJECTED
    step.decided_by = actor
    step.decided_at = now
    step.comment = comment
    step.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
    level = request.levels[request.level - 1]
    if approve and level["mode"] == ApprovalMode.ALL and _level_waits(request):
        return False
    if approve and request.level < len(request.levels):
        request.level += 1
        request.save(update_fields=["level", "updated_at"])
        return False
    request.status = ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED
    request.decided_by = actor
    request.decided_at = now
    request.comment = comment
    request.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated_at"])
    return True


# --- contracts (crm asks through its port; the decisions come back here) ------------------------


def contract_approval_open(*, contract, actor) -> bool:
    """crm.services_contracts.contract_needs_approval: ask the rules for contracts (amount as the total, the
    customer's history); open the request when one applies. A rule that refuses raises."""
    facts = ApprovalFacts(record=contract, lines=[], submitter=actor, total=contract.amount)
    return approval_open(record=contract, plan=approval_plan(ApprovalSubject.CONTRACT, facts), actor=actor) is not None


def _contract_pending(contract, actor):
    contract = lock_contract(contract, actor)
    if contract.status != ContractStatus.PENDING_APPROVAL:
        raise ApplicationError(
            _("This contract is not waiting for approval; it is %(status)s.")
            % {"status": contract.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": contract.status},
        )
    return contract, ApprovalRequest.objects.get(contract=contract, status=ApprovalRequest.Status.PENDING)


@events.batched
def contract_approve(*, contract, actor, comment: str = ""):
    """Approve the current level of the contract's approval; the last level puts it in force."""
    contract, request = _contract_pending(contract, actor)
    level = request.level
    if not approval_decide(request=request, actor=actor, approve=True, comment=comment):
        events.record(
            actor,
            "contract.approval_advanced",
            contract,
            data={"comment": comment, "level": level, "levels": len(request.levels)},
            root=contract.customer,
        )
        return contract
    events.record(actor, "contract.approved", contract, data={"comment": comment}, root=contract.customer)
    return contract_approved(contract=contract, actor=actor)


@events.batched
def contract_approval_reject(*, contract, actor, comment: str):
    contract, request = _contract_pending(contract, actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the contract is rejected.")]})
    approval_decide(request=request, actor=actor, approve=False, comment=comment)
    return contract_approval_refused(contract=contract, actor=actor, comment=comment)

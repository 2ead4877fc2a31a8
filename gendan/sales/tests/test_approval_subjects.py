"""The one approval engine for quotations and contracts too: rules, levels, decisions on the timeline."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import ContractStatus
from gendan.crm.services_contracts import contract_activate, contract_create
from gendan.sales.models import ApprovalRequest, ApprovalRule, QuotationStatus
from gendan.sales.selectors_worklists import approval_inbox
from gendan.sales.services_approvals import (
    approval_rule_create,
    approval_rule_update,
    contract_approval_reject,
    contract_approve,
)
from gendan.sales.services_quotations import (
    quotation_approval_reject,
    quotation_approve,
    quotation_create,
    quotation_send,
)
from gendan.sales.tests.quotation_helpers import draft_quotation
from tests.api_client import api_as
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LEADER_THEN_BOSS = [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}]


def discounted_quotation(rep, discount="20"):
    """A draft whose one line has `discount` % off: above a rep's limit, below the floor price."""
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    return quotation_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        lines=[{"product": products[0], "quantity": Decimal("2"), "discount_percent": Decimal(discount)}],
    )


def test_a_quotation_sent_as_before_while_the_shipped_rule_is_off(personas):
    rep = personas["rep1"]
    quotation = discounted_quotation(rep)

    quotation = quotation_send(quotation=quotation, actor=rep)

    assert quotation.status == QuotationStatus.SENT
    assert not ApprovalRequest.objects.filter(quotation=quotation).exists()


def test_a_quotation_a_rule_catches_waits_passes_two_levels_then_is_sent(personas):
    rep, admin = personas["rep1"], personas["admin"]
    approval_rule_create(
        actor=admin,
        name="Big quotations",
        applies_to="quotation",
        conditions=[{"type": "total_above", "amount": "100"}],
        levels=LEADER_THEN_BOSS,
    )
    quotation = draft_quotation(rep)
    assert quotation.total > 100

    quotation = quotation_send(quotation=quotation, actor=rep)

    assert quotation.status == QuotationStatus.PENDING_APPROVAL and quotation.sent_at is None
    approval = ApprovalRequest.objects.get(quotation=quotation)
    assert (approval.subject, approval.number) == ("quotation", quotation.label)
    assert [a.pk for a in approval_inbox(user=personas["manager1"])] == [approval.pk]
    with pytest.raises(ApplicationError) as own:
        quotation_approve(quotation=quotation, actor=rep)
    assert own.value.code == ErrorCode.OWN_SUBMISSION
    quotation = quotation_approve(quotation=quotation, actor=personas["manager1"], comment="ok")
    assert quotation.status == QuotationStatus.PENDING_APPROVAL
    quotation = quotation_approve(quotation=quotation, actor=personas["boss1"], comment="fine")
    assert quotation.status == QuotationStatus.APPROVED

    quotation = quotation_send(quotation=quotation, actor=rep)

    assert quotation.status == QuotationStatus.SENT
    verbs = [
        event.verb
        for event in Event.objects.filter(object_id=quotation.pk, verb__startswith="quotation.").order_by("id")
    ]
    assert verbs == [
        "quotation.created",
        "quotation.submitted",
        "quotation.approval_advanced",
        "quotation.approved",
        "quotation.sent",
    ]
    comments = Event.objects.filter(
        object_id=quotation.pk, verb__in=["quotation.approval_advanced", "quotation.approved"]
    )
    assert sorted(event.data["comment"] for event in comments) == ["fine", "ok"]


def test_a_refused_quotation_is_a_draft_again_with_the_reason(personas):
    rep, admin = personas["rep1"], personas["admin"]
    approval_rule_update(
        rule=ApprovalRule.objects.get(system_key="quotation_price_and_discount"), actor=admin, active=True
    )
    quotation = quotation_send(quotation=discounted_quotation(rep), actor=rep)
    assert quotation.status == QuotationStatus.PENDING_APPROVAL
    with pytest.raises(ValidationError):
        quotation_approval_reject(quotation=quotation, actor=personas["manager1"], comment=" ")

    quotation = quotation_approval_reject(quotation=quotation, actor=personas["manager1"], comment="Too cheap")

    assert quotation.status == QuotationStatus.DRAFT
    assert ApprovalRequest.objects.get(quotation=quotation).status == "rejected"
    assert Event.objects.filter(verb="quotation.approval_rejected", data__comment="Too cheap").exists()


def signed_contract(rep, amount="500000"):
    today = timezone.localdate()
    contract = contract_create(
        customer=customer_ready_to_order(rep),
        actor=rep,
        title="年度供货协议",
        start_date=today,
        end_date=today + datetime.timedelta(days=365),
        amount=Decimal(amount),
    )
    return contract_activate(contract=contract, actor=rep)


def test_a_big_contract_waits_for_two_levels_before_it_is_in_force(personas):
    rep = personas["rep1"]
    approval_rule_create(
        actor=personas["admin"],
        name="Big contracts",
        applies_to="contract",
        conditions=[{"type": "total_above", "amount": "100000"}],
        levels=LEADER_THEN_BOSS,
    )
    assert signed_contract(rep, amount="1000").status == ContractStatus.ACTIVE

    contract = signed_contract(rep)

    assert contract.status == ContractStatus.PENDING_APPROVAL and contract.signed_on is not None
    contract = contract_approve(contract=contract, actor=personas["manager1"])
    assert contract.status == ContractStatus.PENDING_APPROVAL
    contract = contract_approve(contract=contract, actor=personas["boss1"], comment="签")
    assert contract.status == ContractStatus.ACTIVE
    assert Event.objects.filter(verb="contract.approved", object_id=contract.pk, data__comment="签").exists()


def test_a_refused_contract_is_a_draft_again(personas):
    rep = personas["rep1"]
    approval_rule_create(
        actor=personas["admin"],
        name="Every contract",
        applies_to="contract",
        conditions=[{"type": "total_above", "amount": "0"}],
        levels=[{"approvers": ["approvers"], "mode": "any"}],
    )
    contract = signed_contract(rep)

    contract = contract_approval_reject(contract=contract, actor=personas["boss1"], comment="价格不对")

    assert contract.status == ContractStatus.DRAFT
    assert ApprovalRequest.objects.get(contract=contract).status == "rejected"
    assert personas["rep3"] not in [s.approver for s in ApprovalRequest.objects.get(contract=contract).steps.all()]


def test_the_approvals_api_lists_and_decides_quotations_and_contracts(personas):
    rep, admin = personas["rep1"], personas["admin"]
    for subject in ("quotation", "contract"):
        approval_rule_create(
            actor=admin,
            name=f"Every {subject}",
            applies_to=subject,
            conditions=[{"type": "total_above", "amount": "0"}],
            levels=[{"approvers": ["leader"], "mode": "any"}],
        )
    quotation = quotation_send(quotation=discounted_quotation(rep, discount="0"), actor=rep)
    contract = signed_contract(rep)
    manager = api_as(personas["manager1"])

    listed = manager.get("/api/v1/approvals/?status=pending").json()["results"]
    inbox = manager.get("/api/v1/worklists/approvals/").json()["results"]

    assert sorted((a["object_type"], a["object_number"]) for a in listed) == [
        ("contract", contract.number),
        ("quotation", quotation.label),
    ]
    assert sorted((row["object_type"], row["customer"]) for row in inbox) == [
        ("contract", contract.customer_id),
        ("quotation", quotation.customer_id),
    ]
    by_type = {a["object_type"]: a for a in listed}
    assert api_as(rep).post(f"/api/v1/approvals/{by_type['quotation']['id']}/approve/").status_code == 403
    approved = manager.post(
        f"/api/v1/approvals/{by_type['quotation']['id']}/approve/", {"comment": "好"}, format="json"
    )
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    refused = manager.post(f"/api/v1/approvals/{by_type['contract']['id']}/reject/", {"comment": ""}, format="json")
    assert (refused.status_code, list(refused.json())) == (400, ["comment"])
    rejected = manager.post(
        f"/api/v1/approvals/{by_type['contract']['id']}/reject/", {"comment": "再谈"}, format="json"
    )
    assert rejected.status_code == 200
    quotation.refresh_from_db()
    contract.refresh_from_db()
    assert (quotation.status, contract.status) == (QuotationStatus.APPROVED, ContractStatus.DRAFT)
    assert api_as(personas["rep3"]).get(f"/api/v1/approvals/{by_type['quotation']['id']}/").status_code == 404

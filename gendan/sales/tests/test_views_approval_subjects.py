"""Quotations and contracts waiting for approval, on their pages: why they wait, who decides, the approver's form,
a refusal shown to the owner on the draft — and the approval inbox linking to both."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gendan.crm.models import Contract, ContractStatus
from gendan.crm.services_contracts import contract_activate, contract_create
from gendan.sales.models import ApprovalRequest, Quotation, QuotationStatus
from gendan.sales.selectors_approvals import may_decide_request
from gendan.sales.services_approvals import approval_delegation_create, approval_rule_create
from gendan.sales.services_quotations import quotation_approval_reject, quotation_send
from tests.factories import customer_ready_to_order

from .quotation_helpers import draft_quotation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LEADER_THEN_BOSS = [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}]


def rule_for(subject, personas, amount="100"):
    return approval_rule_create(
        actor=personas["admin"],
        name=f"Big {subject}s",
        applies_to=subject,
        conditions=[{"type": "total_above", "amount": amount}],
        levels=LEADER_THEN_BOSS,
    )


def pending_quotation(personas) -> Quotation:
    """rep1's quotation of 2 × 100 + tax, caught by a rule for totals above 100: manager1, then boss1 decide."""
    rule_for("quotation", personas)
    quotation = quotation_send(quotation=draft_quotation(personas["rep1"]), actor=personas["rep1"])
    assert quotation.status == QuotationStatus.PENDING_APPROVAL
    return quotation


def draft_contract(rep, amount="500000") -> Contract:
    today = timezone.localdate()
    return contract_create(
        customer=customer_ready_to_order(rep),
        actor=rep,
        title="年度供货协议",
        start_date=today,
        end_date=today + datetime.timedelta(days=365),
        amount=Decimal(amount),
    )


def pending_contract(personas) -> Contract:
    rule_for("contract", personas, amount="100000")
    contract = contract_activate(contract=draft_contract(personas["rep1"]), actor=personas["rep1"])
    assert contract.status == ContractStatus.PENDING_APPROVAL
    return contract


def as_user(client, user):
    client.force_login(user)
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def post(client, url, data=None):
    """Post as the browser does, following the redirect to the page that shows the outcome."""
    return client.post(url, data or {}, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def box_state(body: str) -> str | None:
    found = re.search(r'data-testid="approval-box" data-state="(\w+)"', body)
    return found and found.group(1)


def quotation_url(quotation) -> str:
    return reverse("quotations:detail", args=[quotation.pk])


def decide_quotation(quotation, decision) -> str:
    return reverse("quotations:approval_decide", args=[quotation.pk, decision])


def decide_contract(contract, decision) -> str:
    return reverse("approvals:contract_decide", args=[contract.pk, decision])


# --- quotations ------------------------------------------------------------------------------------


def test_the_quotation_page_shows_why_it_waits_and_the_form_only_to_whoever_decides_now(client, personas):
    quotation = pending_quotation(personas)

    approver = page(as_user(client, personas["manager1"]), quotation_url(quotation))
    submitter = page(as_user(client, personas["rep1"]), quotation_url(quotation))
    next_level = page(as_user(client, personas["boss1"]), quotation_url(quotation))

    assert box_state(approver) == box_state(submitter) == box_state(next_level) == "pending"
    assert "The total 226 is above 100." in submitter
    assert submitter.count('data-testid="approval-level"') == 2
    assert 'data-testid="approval-decision"' in approver
    assert decide_quotation(quotation, "approve") in approver and decide_quotation(quotation, "reject") in approver
    assert "You submitted it, so another approver decides it." in submitter
    assert 'data-testid="approval-decision"' not in submitter
    assert 'data-testid="approval-decision"' not in next_level
    # waiting for approval: neither sent, nor edited, nor sent again
    assert 'data-action="send"' not in submitter and 'data-testid="edit-quotation"' not in submitter
    assert re.search(r'text-bg-warning[^"]*" data-testid="quotation-status">Pending approval<', submitter)


def test_sending_a_draft_a_rule_catches_says_it_went_for_approval(client, personas):
    rule_for("quotation", personas)
    quotation = draft_quotation(personas["rep1"])

    response = post(as_user(client, personas["rep1"]), reverse("quotations:action", args=[quotation.pk, "send"]))

    assert messages_of(response) == ["Submitted for approval: once it is approved, you can send it."]
    assert Quotation.objects.get(pk=quotation.pk).status == QuotationStatus.PENDING_APPROVAL


def test_two_levels_approve_the_quotation_then_its_owner_sends_it(client, personas):
    quotation = pending_quotation(personas)

    first = post(as_user(client, personas["manager1"]), decide_quotation(quotation, "approve"), {"comment": "ok"})
    second = post(as_user(client, personas["boss1"]), decide_quotation(quotation, "approve"))

    assert first.redirect_chain == [(quotation_url(quotation), 302)]
    assert messages_of(first) == ["Your approval is recorded; it now waits for the other approvers."]
    assert messages_of(second) == [f"Quotation {quotation.label} approved: its owner can send it now."]
    body = page(as_user(client, personas["rep1"]), quotation_url(quotation))
    assert box_state(body) == "approved" and "“ok”" in body
    assert "Approved, ready to send" in body and re.findall(r'data-action="(\w+)"', body) == ["send"]

    sent = post(client, reverse("quotations:action", args=[quotation.pk, "send"]))

    assert messages_of(sent) == ["Quotation marked as sent."]
    assert Quotation.objects.get(pk=quotation.pk).status == QuotationStatus.SENT
    assert box_state(page(client, quotation_url(quotation))) is None


def test_refusing_needs_a_comment_and_the_draft_shows_who_refused_and_why(client, personas):
    quotation = pending_quotation(personas)
    client = as_user(client, personas["manager1"])

    without = post(client, decide_quotation(quotation, "reject"), {"comment": "  "})

    assert messages_of(without) == ["Say why the quotation is rejected."]
    assert Quotation.objects.get(pk=quotation.pk).status == QuotationStatus.PENDING_APPROVAL

    refused = post(client, decide_quotation(quotation, "reject"), {"comment": "Discount too deep"})

    assert messages_of(refused) == [
        f"Quotation {quotation.label} refused: it is a draft again for its owner to change."
    ]
    assert Quotation.objects.get(pk=quotation.pk).status == QuotationStatus.DRAFT
    body = page(as_user(client, personas["rep1"]), quotation_url(quotation))
    assert box_state(body) == "rejected"
    assert "Approval refused by manager1 at" in body
    assert '<div class="pre-line" data-testid="approval-comment">Discount too deep</div>' in body
    assert "The total 226 is above 100." in body
    assert 'data-testid="edit-quotation"' in body and 'data-action="send"' in body


def test_the_submitter_is_refused_with_a_message_and_nothing_changes(client, personas):
    quotation = pending_quotation(personas)

    response = post(as_user(client, personas["rep1"]), decide_quotation(quotation, "approve"))

    assert messages_of(response) == ["You submitted this for approval; another approver decides it."]
    assert ApprovalRequest.objects.get(quotation=quotation).level == 1


def test_a_decision_on_a_quotation_out_of_scope_or_unknown_is_not_found(client, personas):
    quotation = pending_quotation(personas)

    outsider = as_user(client, personas["rep3"]).post(decide_quotation(quotation, "approve"))
    unknown = as_user(client, personas["manager1"]).post(decide_quotation(quotation, "escalate"))
    read = client.get(decide_quotation(quotation, "approve"))

    assert (outsider.status_code, unknown.status_code, read.status_code) == (404, 404, 405)
    assert ApprovalRequest.objects.get(quotation=quotation).level == 1


def test_a_delegate_decides_for_the_approver_away(client, personas):
    quotation = pending_quotation(personas)
    approval = ApprovalRequest.objects.get(quotation=quotation)
    today = timezone.localdate()
    assert not may_decide_request(personas["follower1"], approval)
    approval_delegation_create(
        actor=personas["manager1"], delegate=personas["follower1"], starts_on=today, ends_on=today
    )

    assert may_decide_request(personas["follower1"], approval)
    assert not may_decide_request(personas["rep1"], approval)


def test_the_quotation_page_with_an_approval_takes_a_bounded_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    quotation = pending_quotation(personas)
    client = as_user(client, personas["manager1"])
    client.get(quotation_url(quotation))

    # the page's own 13 for a manager (session, user, two of permissions, three of the department tree,
    # quotation, lines, the tree again, versions, timeline), then the approval request with its submitter,
    # its steps with their approvers, and whether the reader decides now
    with django_assert_max_num_queries(16):
        assert box_state(page(client, quotation_url(quotation))) == "pending"


# --- contracts -------------------------------------------------------------------------------------


def test_putting_a_big_contract_in_force_says_it_went_for_approval(client, personas):
    rule_for("contract", personas, amount="100000")
    contract = draft_contract(personas["rep1"])

    response = post(as_user(client, personas["rep1"]), reverse("crm:contract_activate", args=[contract.pk]))

    assert messages_of(response) == [
        f"Contract {contract.number} submitted for approval: it is in force once approved."
    ]
    body = page(client, contract.get_absolute_url())
    assert box_state(body) == "pending" and 'data-testid="approval-decision"' not in body
    assert re.search(r'text-bg-warning[^"]*" data-testid="contract-status">Pending approval<', body)


def test_the_approvers_put_the_contract_in_force_from_its_page(client, personas):
    contract = pending_contract(personas)
    approver = page(as_user(client, personas["manager1"]), contract.get_absolute_url())
    assert 'data-testid="approval-decision"' in approver and decide_contract(contract, "reject") in approver

    first = post(client, decide_contract(contract, "approve"), {"comment": "ok"})
    second = post(as_user(client, personas["boss1"]), decide_contract(contract, "approve"))

    assert first.redirect_chain == [(contract.get_absolute_url(), 302)]
    assert messages_of(first) == ["Your approval is recorded; it now waits for the other approvers."]
    assert messages_of(second) == [f"Contract {contract.number} approved: it is in force."]
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    assert box_state(page(client, contract.get_absolute_url())) is None


def test_a_refused_contract_is_a_draft_again_showing_why(client, personas):
    contract = pending_contract(personas)
    client = as_user(client, personas["manager1"])

    without = post(client, decide_contract(contract, "reject"))
    refused = post(client, decide_contract(contract, "reject"), {"comment": "金额需财务复核"})

    assert messages_of(without) == ["Say why the contract is rejected."]
    assert messages_of(refused) == [f"Contract {contract.number} refused: it is a draft again for its owner to change."]
    body = page(as_user(client, personas["rep1"]), contract.get_absolute_url())
    assert box_state(body) == "rejected" and "金额需财务复核" in body
    assert "Change the contract and put it in force again" in body
    assert 'data-testid="activate-form"' in body


def test_a_decision_on_a_contract_out_of_scope_is_not_found(client, personas):
    contract = pending_contract(personas)

    response = as_user(client, personas["rep3"]).post(decide_contract(contract, "approve"))

    assert response.status_code == 404
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PENDING_APPROVAL


def test_a_contract_never_submitted_shows_no_approval(client, personas):
    contract = draft_contract(personas["rep1"])

    body = page(as_user(client, personas["rep1"]), contract.get_absolute_url())

    assert box_state(body) is None


def test_the_contract_page_with_an_approval_takes_a_bounded_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    contract = pending_contract(personas)
    client = as_user(client, personas["manager1"])
    client.get(contract.get_absolute_url())

    # session, user, two of permissions, three of the department tree, contract, then sales' panel: the approval
    # request, its steps, whether the reader decides now; the timeline
    with django_assert_max_num_queries(12):
        assert box_state(page(client, contract.get_absolute_url())) == "pending"


# --- the inbox -------------------------------------------------------------------------------------


def test_the_approval_inbox_links_to_the_quotation_and_the_contract(client, personas):
    quotation = pending_quotation(personas)
    contract = pending_contract(personas)

    body = page(as_user(client, personas["manager1"]), reverse("sales_work:approvals"))

    assert body.count('data-testid="worklist-row"') == 2
    assert f'<a href="{quotation_url(quotation)}">{quotation.label}</a>' in body
    assert f'<a href="{contract.get_absolute_url()}">{contract.number}</a>' in body
    # the submitter's next level sees nothing yet; once manager1 decides, boss1 does
    assert 'data-testid="worklist-row"' not in page(as_user(client, personas["boss1"]), reverse("sales_work:approvals"))
    quotation_approval_reject(quotation=quotation, actor=personas["manager1"], comment="no")
    body = page(as_user(client, personas["manager1"]), reverse("sales_work:approvals"))
    assert body.count('data-testid="worklist-row"') == 1

"""The approval rule editor and the delegation page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gendan.sales.models import ApprovalDelegation, ApprovalRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def rule_post(**overrides):
    data = {
        "name": "Big orders",
        "applies_to": "order",
        "match": "any",
        "active": "on",
        "position": "1",
        "condition_total_above": "on",
        "condition_total_above_amount": "100000",
        "levels-count": "2",
        "levels-0-approvers": ["leader"],
        "levels-0-mode": "any",
        "levels-1-approvers": ["role:executive", "approvers"],
        "levels-1-mode": "all",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_builds_a_two_level_rule_without_code(client, personas):
    client.force_login(personas["admin"])

    page = client.get(reverse("approvals:rule_create"))
    assert page.status_code == 200
    assert "credit limit would be exceeded" in page.content.decode()

    response = client.post(reverse("approvals:rule_create"), rule_post())

    assert response.status_code == 302
    rule = ApprovalRule.objects.get(name="Big orders")
    assert rule.conditions == [{"type": "total_above", "amount": "100000.00"}]
    assert rule.levels == [
        {"approvers": ["leader"], "mode": "any"},
        {"approvers": ["role:executive", "approvers"], "mode": "all"},
    ]
    listing = client.get(reverse("approvals:rule_list")).content.decode()
    assert "The total is above an amount 100000.00" in listing
    assert "All of them: Role: Executive, Whoever may approve" in listing


def test_a_rule_with_a_missing_amount_or_no_level_is_shown_again_with_the_reason(client, personas):
    client.force_login(personas["admin"])

    response = client.post(
        reverse("approvals:rule_create"),
        rule_post(**{"condition_total_above_amount": "", "levels-0-approvers": None, "levels-1-approvers": None}),
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "The total is above an amount: give the amount." in body
    assert "Add at least one level." in body
    assert not ApprovalRule.objects.filter(name="Big orders").exists()


def test_adding_a_level_keeps_what_was_typed(client, personas):
    client.force_login(personas["admin"])

    response = client.post(reverse("approvals:rule_create"), rule_post(add_level="1"))

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="approval-level-row"') == 3
    assert not ApprovalRule.objects.filter(name="Big orders").exists()


def test_editing_the_shipped_rule_and_switching_it_off(client, personas):
    client.force_login(personas["admin"])
    shipped = ApprovalRule.objects.get(system_key="price_and_discount")

    form = client.get(reverse("approvals:rule_edit", args=[shipped.pk])).content.decode()
    assert 'id="id_condition_below_floor_price" checked' in form
    assert 'id="id_condition_total_above" checked' not in form

    client.post(reverse("approvals:rule_toggle", args=[shipped.pk]), {"active": "0"})
    shipped.refresh_from_db()
    assert not shipped.active
    client.post(reverse("approvals:rule_delete", args=[shipped.pk]))
    assert ApprovalRule.objects.filter(pk=shipped.pk).exists()


def test_only_administrators_see_the_rules(client, personas):
    client.force_login(personas["manager1"])

    assert client.get(reverse("approvals:rule_list")).status_code == 403
    assert client.post(reverse("approvals:rule_create"), rule_post()).status_code == 403


def test_an_approver_hands_over_approvals_while_away_and_ends_it_early(client, personas):
    manager = personas["manager1"]
    client.force_login(manager)
    today = timezone.localdate()

    bad = client.post(
        reverse("approvals:delegations"),
        {"delegate": personas["boss1"].pk, "starts_on": today, "ends_on": today - datetime.timedelta(days=1)},
    )
    assert bad.status_code == 400
    assert "The last day cannot be before the first." in bad.content.decode()

    client.post(
        reverse("approvals:delegations"),
        {"delegate": personas["boss1"].pk, "starts_on": today, "ends_on": today + datetime.timedelta(days=5)},
    )
    delegation = ApprovalDelegation.objects.get(delegator=manager)
    client.force_login(personas["boss1"])
    assert str(manager) in client.get(reverse("approvals:delegations")).content.decode()
    assert client.post(reverse("approvals:delegation_end", args=[delegation.pk])).status_code == 404

    client.force_login(manager)
    client.post(reverse("approvals:delegation_end", args=[delegation.pk]))
    assert not ApprovalDelegation.objects.filter(ends_on__gte=today).exists()


def test_switching_a_rule_that_names_someone_gone_says_why_instead_of_failing(client, personas):
    from gendan.accounts.models import User
    from gendan.sales.services_approvals import approval_rule_create

    gone = User.objects.create_user(username="gone", password="x")
    rule = approval_rule_create(
        actor=personas["admin"],
        name="Named",
        conditions=[{"type": "total_above", "amount": "1"}],
        levels=[{"approvers": [f"user:{gone.pk}"], "mode": "any"}],
    )
    User.objects.filter(pk=gone.pk).update(is_active=False)
    client.force_login(personas["admin"])

    response = client.post(reverse("approvals:rule_toggle", args=[rule.pk]), {"active": "0"}, follow=True)

    assert response.status_code == 200
    assert f"Level 1: nobody is user:{gone.pk}." in response.content.decode()
    rule.refresh_from_db()
    assert rule.active

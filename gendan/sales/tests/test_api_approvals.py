"""/api/v1/approval-rules/ and /api/v1/approvals/: rules set without code, requests decided level by level."""

from decimal import Decimal

import pytest

from gendan.sales.models import ApprovalRule
from gendan.sales.services import order_submit, order_update
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TWO_LEVELS = {
    "name": "Orders above 500",
    "applies_to": "order",
    "conditions": [{"type": "total_above", "amount": "500"}],
    "levels": [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "all"}],
}


def big_order(rep):
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    order = order_update(order=order, actor=rep, lines=[{"product": products[0], "quantity": Decimal("10")}])
    return order_submit(order=order, actor=rep)


def test_an_administrator_sets_a_rule_and_reads_it_back(personas):
    admin = api_as(personas["admin"])

    created = admin.post("/api/v1/approval-rules/", TWO_LEVELS, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in TWO_LEVELS} == {
        **TWO_LEVELS,
        "conditions": [{"type": "total_above", "amount": "500.00"}],
    }
    assert (body["active"], body["match"], body["version"], body["system_key"]) == (True, "any", 1, "")
    listed = admin.get("/api/v1/approval-rules/").json()["results"]
    assert [rule["system_key"] for rule in listed] == [
        "credit_override",
        "price_and_discount",
        "",
        "change_price_and_discount",
        "change_freeze",
        "quotation_price_and_discount",
    ]

    stale = admin.patch(f"/api/v1/approval-rules/{body['id']}/", {"active": False, "version": 7}, format="json")
    assert (stale.status_code, stale.json().get("code")) == (409, "stale_version"), stale.json()
    patched = admin.patch(f"/api/v1/approval-rules/{body['id']}/", {"active": False, "version": 1}, format="json")
    assert (patched.status_code, patched.json()["active"], patched.json()["version"]) == (200, False, 2)
    assert admin.delete(f"/api/v1/approval-rules/{body['id']}/").status_code == 204
    shipped = ApprovalRule.objects.get(system_key="price_and_discount")
    refused = admin.delete(f"/api/v1/approval-rules/{shipped.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_editable")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conditions": [{"type": "total_above"}]}, "conditions"),
        ({"conditions": "everything"}, "conditions"),
        ({"levels": [{"approvers": ["user:0"], "mode": "any"}]}, "levels"),
        ({"applies_to": "invoice"}, "applies_to"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_rule_is_a_400_keyed_by_field(personas, change, field):
    response = api_as(personas["admin"]).post("/api/v1/approval-rules/", {**TWO_LEVELS, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    # Only the shipped rules: nothing of the bad one was written.
    assert not ApprovalRule.objects.filter(system_key="").exists()


def test_only_administrators_write_rules(personas):
    manager = api_as(personas["manager1"])

    assert manager.post("/api/v1/approval-rules/", TWO_LEVELS, format="json").status_code == 403
    assert manager.get("/api/v1/approval-rules/").status_code == 403


def test_approvals_list_what_i_may_decide_and_decide_it_level_by_level(personas):
    api_as(personas["admin"]).post("/api/v1/approval-rules/", TWO_LEVELS, format="json")
    order = big_order(personas["rep1"])
    manager, boss, rep = api_as(personas["manager1"]), api_as(personas["boss1"]), api_as(personas["rep1"])

    (approval,) = manager.get("/api/v1/approvals/?status=pending").json()["results"]
    assert {key: approval[key] for key in ("object_type", "object_id", "object_number", "level", "levels")} == {
        "object_type": "order",
        "object_id": order.pk,
        "object_number": order.number,
        "level": 1,
        "levels": 2,
    }
    assert (approval["status"], approval["submitted_by"], approval["decided_by"]) == (
        "pending",
        personas["rep1"].pk,
        None,
    )
    assert approval["reasons"][0]["code"] == "total_above"
    assert boss.get("/api/v1/approvals/").json()["results"] != []  # named at level 2: sees what is coming
    assert [a["id"] for a in rep.get("/api/v1/approvals/").json()["results"]] == [approval["id"]]  # submitted it

    early = boss.post(f"/api/v1/approvals/{approval['id']}/approve/", {"comment": "早"}, format="json")
    assert (early.status_code, early.json()["code"]) == (403, "permission_denied")
    own = rep.post(f"/api/v1/approvals/{approval['id']}/approve/", {}, format="json")
    assert own.status_code == 403  # a rep neither may approve nor is named by a rule

    first = manager.post(f"/api/v1/approvals/{approval['id']}/approve/", {"comment": "同意"}, format="json")
    assert first.status_code == 200, first.json()
    assert (first.json()["level"], first.json()["status"]) == (2, "pending")
    assert [(s["level"], s["decision"], s["comment"]) for s in first.json()["steps"] if s["decision"]] == [
        (1, "approved", "同意")
    ]

    blank = boss.post(f"/api/v1/approvals/{approval['id']}/reject/", {"comment": ""}, format="json")
    assert (blank.status_code, list(blank.json())) == (400, ["comment"])
    final = boss.post(f"/api/v1/approvals/{approval['id']}/approve/", {}, format="json")
    assert (final.json()["status"], final.json()["decided_by"]) == ("approved", personas["boss1"].pk)
    assert rep.get(f"/api/v1/orders/{order.pk}/").json()["status"] == "confirmed"

    again = boss.post(f"/api/v1/approvals/{approval['id']}/approve/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


def test_the_approvals_list_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    api_as(personas["admin"]).post("/api/v1/approval-rules/", TWO_LEVELS, format="json")
    big_order(personas["rep1"])
    manager = api_as(personas["manager1"])
    with django_assert_max_num_queries(12) as first:
        manager.get("/api/v1/approvals/")
    for _ in range(3):
        big_order(personas["rep1"])

    with django_assert_max_num_queries(len(first)):
        assert manager.get("/api/v1/approvals/").json()["count"] == 4

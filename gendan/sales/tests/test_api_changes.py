"""/api/v1/orders/{id}/change-requests/, /api/v1/change-requests/ and /api/v1/orders/{id}/revisions/."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gendan.inventory.models import StockLevel
from gendan.sales.models import OrderStatus
from gendan.sales.services import order_submit
from gendan.sales.services_approvals import approval_rule_create
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def confirmed(rep, quantities=("10", "5"), on_hand="100"):
    _warehouse, products = stocked_products(len(quantities), on_hand=on_hand)
    order = order_submit(order=draft_order(rep, products, list(quantities)), actor=rep)
    assert order.status == OrderStatus.CONFIRMED
    return order, products, list(order.lines.order_by("position"))


def test_a_rep_posts_a_change_sees_its_impact_and_submits_it(personas, django_assert_max_num_queries):
    rep = api_as(personas["rep1"])
    order, products, (first, second) = confirmed(personas["rep1"])
    promised = timezone.localdate() + datetime.timedelta(days=30)
    body = {
        "reason": "The customer needs more",
        "lines": [{"id": first.pk, "quantity": "14"}, {"id": second.pk, "quantity": "5"}],
        "promised_date": promised.isoformat(),
    }

    created = rep.post(f"/api/v1/orders/{order.pk}/change-requests/", body, format="json")

    assert created.status_code == 201, created.json()
    change = created.json()
    assert (change["status"], change["revision"], change["base_revision"]) == ("draft", 2, 1)
    impact = change["impact"]
    assert Decimal(impact["total_before"]) == order.total
    assert Decimal(impact["total_after"]) > order.total
    assert [(row["product"], row["warehouse"], row["reserve"], row["release"]) for row in impact["stock"]] == [
        (products[0].pk, order.warehouse_id, "4.000", "0.000")
    ]
    assert impact["problems"] == []
    assert change["allowed_actions"] == ["submit", "cancel"]
    with django_assert_max_num_queries(12):
        listed = rep.get(f"/api/v1/orders/{order.pk}/change-requests/")
    assert [row["id"] for row in listed.json()] == [change["id"]]

    submitted = rep.post(f"/api/v1/change-requests/{change['id']}/submit/")

    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "applied"
    assert StockLevel.objects.get(product=products[0]).reserved == 14
    revisions = rep.get(f"/api/v1/orders/{order.pk}/revisions/").json()
    assert [(r["number"], r["reason"]) for r in revisions] == [(1, ""), (2, "The customer needs more")]
    assert revisions[1]["header"]["promised_date"] == promised.isoformat()
    compared = rep.get(f"/api/v1/orders/{order.pk}/revisions/compare/?a=1&b=2").json()
    assert compared["header"]["promised_date"] == {"before": None, "after": promised.isoformat()}
    (line,) = compared["lines"]
    assert (line["line"], line["kind"], line["fields"]["quantity"]) == (
        first.pk,
        "changed",
        {"before": "10.000", "after": "14.000"},
    )


def test_a_change_that_would_oversell_or_go_below_shipped_is_a_409_with_nothing_changed(personas):
    rep = api_as(personas["rep1"])
    order, products, (first, second) = confirmed(personas["rep1"], on_hand="12")
    change = rep.post(
        f"/api/v1/orders/{order.pk}/change-requests/",
        {"reason": "Far more", "lines": [{"id": first.pk, "quantity": "50"}, {"id": second.pk, "quantity": "5"}]},
        format="json",
    ).json()
    assert [p["code"] for p in change["impact"]["problems"]] == ["insufficient_stock"]

    refused = rep.post(f"/api/v1/change-requests/{change['id']}/submit/")

    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_stock")
    assert rep.get(f"/api/v1/change-requests/{change['id']}/").json()["status"] == "draft"
    assert StockLevel.objects.get(product=products[0]).reserved == 10


def test_bad_input_is_a_400_keyed_by_field(personas):
    rep = api_as(personas["rep1"])
    order, _products, (first, _second) = confirmed(personas["rep1"])

    empty_reason = rep.post(f"/api/v1/orders/{order.pk}/change-requests/", {"reason": " ", "lines": []}, format="json")
    bad_line = rep.post(
        f"/api/v1/orders/{order.pk}/change-requests/",
        {"reason": "x", "lines": [{"id": 999999, "quantity": "1"}, {"id": first.pk, "quantity": "-2"}]},
        format="json",
    )
    past = rep.post(
        f"/api/v1/orders/{order.pk}/change-requests/",
        {"reason": "x", "promised_date": "1999-01-01"},
        format="json",
    )

    assert (empty_reason.status_code, list(empty_reason.json())) == (400, ["reason"]), empty_reason.json()
    assert bad_line.status_code == 400, bad_line.json()
    assert set(bad_line.json()["lines"]) == {"0", "1"}, bad_line.json()
    assert (past.status_code, list(past.json())) == (400, ["promised_date"]), past.json()
    assert rep.get(f"/api/v1/orders/{order.pk}/change-requests/").json() == []


def test_two_levels_through_the_approvals_api_then_stale_and_rebase(personas):
    approval_rule_create(
        actor=personas["admin"],
        name="Raised quantities",
        applies_to="order_change",
        conditions=[{"type": "quantity_raised"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    rep = api_as(personas["rep1"])
    order, _products, (first, second) = confirmed(personas["rep1"])

    def post(lines):
        return rep.post(
            f"/api/v1/orders/{order.pk}/change-requests/", {"reason": "more", "lines": lines}, format="json"
        ).json()

    raised = post([{"id": first.pk, "quantity": "11"}, {"id": second.pk, "quantity": "5"}])
    lowered = post([{"id": first.pk, "quantity": "10"}, {"id": second.pk, "quantity": "3"}])
    assert rep.post(f"/api/v1/change-requests/{raised['id']}/submit/").json()["status"] == "pending_approval"
    (approval,) = api_as(personas["manager1"]).get("/api/v1/approvals/?status=pending").json()["results"]
    assert (approval["object_type"], approval["object_id"], approval["levels"]) == ("order_change", raised["id"], 2)
    assert approval["object_number"] == f"{order.number}-C1"
    assert rep.post(f"/api/v1/approvals/{approval['id']}/approve/").status_code == 403

    assert api_as(personas["manager1"]).post(f"/api/v1/approvals/{approval['id']}/approve/").status_code == 200
    boss = api_as(personas["boss1"])
    decided = boss.post(f"/api/v1/change-requests/{raised['id']}/approve/", {"comment": "fine"}, format="json")
    assert (decided.status_code, decided.json()["status"]) == (200, "applied"), decided.json()

    stale = rep.post(f"/api/v1/change-requests/{lowered['id']}/submit/")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_change")
    rebased = rep.post(f"/api/v1/change-requests/{lowered['id']}/rebase/").json()
    assert (rebased["status"], rebased["base_revision"]) == ("draft", 2)
    assert [line["quantity"] for line in rebased["lines"]] == ["11.000", "3.000"]
    assert rep.post(f"/api/v1/change-requests/{lowered['id']}/submit/").json()["status"] == "applied"
    assert [r["number"] for r in rep.get(f"/api/v1/orders/{order.pk}/revisions/").json()] == [1, 2, 3]


def test_changes_are_scoped_like_their_orders(personas):
    order, _products, _lines = confirmed(personas["rep1"])
    created = api_as(personas["rep1"]).post(
        f"/api/v1/orders/{order.pk}/change-requests/", {"reason": "dates", "requested_date": None}, format="json"
    )
    assert created.status_code == 201, created.json()
    other = api_as(personas["rep3"])
    assert other.get(f"/api/v1/change-requests/{created.json()['id']}/").status_code == 404
    assert other.post(f"/api/v1/orders/{order.pk}/change-requests/", {"reason": "x"}, format="json").status_code == 404
    assert (
        api_as(personas["warehouse1"])
        .post(f"/api/v1/orders/{order.pk}/change-requests/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    assert other.get("/api/v1/change-requests/").json()["results"] == []

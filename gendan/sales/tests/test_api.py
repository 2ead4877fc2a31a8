"""The /api/v1/orders/ contract: fields, lifecycle actions, optimistic locking, error codes, query budget."""

from decimal import Decimal

import pytest

from gendan.core.models import Event
from gendan.inventory.models import StockLevel
from gendan.sales.models import Order
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    return stocked_products(3)


def order_payload(customer, products, quantities=("2", "1"), **extra):
    return {
        "customer": customer.pk,
        "contact": customer.contacts.first().pk,
        "shipping_address": customer.addresses.first().pk,
        "lines": [{"product": p.pk, "quantity": q} for p, q in zip(products, quantities, strict=False)],
        **extra,
    }


def test_an_outside_client_walks_an_order_from_customer_to_cash(personas, stock):
    # given: each person with their own token, as separate clients would be
    warehouse, products = stock
    rep, clerk, finance = api_as(personas["rep1"]), api_as(personas["warehouse1"]), api_as(personas["finance1"])

    # when
    customer = rep.post(
        "/api/v1/customers/",
        {
            "name": "杭州西湖贸易有限公司",
            "phone": "0571-88886666",
            "contacts": [{"name": "李娜", "phone": "13900001111"}],
            "addresses": [
                {
                    "recipient": "李娜",
                    "phone": "13900001111",
                    "province": "浙江省",
                    "city": "杭州市",
                    "district": "西湖区",
                    "street": "文三路90号",
                    "postal_code": "310012",
                }
            ],
        },
        format="json",
    ).json()
    order = rep.post(
        "/api/v1/orders/",
        {
            "customer": customer["id"],
            "contact": customer["contacts"][0]["id"],
            "shipping_address": customer["addresses"][0]["id"],
            "lines": [{"product": products[0].pk, "quantity": "2"}, {"product": products[1].pk, "quantity": "3"}],
        },
        format="json",
    ).json()
    submitted = rep.post(f"/api/v1/orders/{order['id']}/submit/").json()
    shipment = clerk.post("/api/v1/shipments/", {"order": order["id"], "carrier": "顺丰"}, format="json").json()
    clerk.post(f"/api/v1/shipments/{shipment['id']}/ship/", {"tracking_number": "SF100"}, format="json")
    clerk.post(f"/api/v1/shipments/{shipment['id']}/deliver/", {"signed_by": "李娜"}, format="json")
    invoice = finance.post("/api/v1/invoices/", {"order": order["id"]}, format="json").json()
    finance.post(f"/api/v1/invoices/{invoice['id']}/issue/", {}, format="json")
    payment = finance.post(
        "/api/v1/payments/",
        {
            "customer": customer["id"],
            "amount": invoice["total"],
            "method": "bank_transfer",
            "received_on": "2026-01-15",
            "allocations": [{"invoice": invoice["id"], "amount": invoice["total"]}],
        },
        format="json",
    )

    # then
    assert submitted["status"] == "confirmed"
    assert payment.status_code == 201
    final = rep.get(f"/api/v1/orders/{order['id']}/").json()
    assert (final["status"], final["delivery_status"], final["billing_status"], final["payment_status"]) == (
        "closed",
        "delivered",
        "invoiced",
        "paid",
    )
    assert final["total"] == invoice["total"] == "565.00"
    assert [(ln["shipped_quantity"], ln["invoiced_quantity"]) for ln in final["lines"]] == [
        ("2.000", "2.000"),
        ("3.000", "3.000"),
    ]
    verbs = [e["verb"] for e in rep.get(f"/api/v1/orders/{order['id']}/events/").json()["results"]]
    assert verbs[0] == "order.closed"
    assert {"order.created", "shipment.shipped", "invoice.issued", "payment.allocated"} <= set(verbs)


def test_create_renders_the_order_with_its_lines_and_defaults(personas, stock):
    # given
    warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])

    # when
    response = api_as(personas["rep1"]).post(
        "/api/v1/orders/",
        order_payload(customer, products, unit_price=None, priority="high")
        | {"lines": [{"product": products[0].pk, "quantity": "2", "discount_percent": "5"}]},
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert response["ETag"] == '"1"'
    assert body["number"].startswith("SO")
    assert (body["status"], body["priority"], body["owner"], body["warehouse"]) == (
        "draft",
        "high",
        personas["rep1"].pk,
        warehouse.pk,
    )
    assert (body["subtotal"], body["tax_amount"], body["total"], body["version"]) == ("190.00", "24.70", "214.70", 1)
    assert body["lines"] == [
        {
            "id": body["lines"][0]["id"],
            "position": 1,
            "product": products[0].pk,
            "product_sku": products[0].sku,
            "product_name": products[0].name,
            "quantity": "2.000",
            "unit_price": "100.00",
            "discount_percent": "5.00",
            "amount": "190.00",
            "reserved_quantity": "0.000",
            "shipped_quantity": "0.000",
            "delivered_quantity": "0.000",
            "invoiced_quantity": "0.000",
        }
    ]
    assert body["allowed_actions"] == ["submit", "cancel"]


def test_create_refuses_a_customer_outside_the_users_scope_as_unknown(personas, stock):
    # given: rep3's customer, which rep1 may not see
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep3"])

    # when
    response = api_as(personas["rep1"]).post("/api/v1/orders/", order_payload(customer, products), format="json")

    # then
    assert response.status_code == 400
    assert response.json()["customer"] == [f"无效主键 “{customer.pk}” － 对象不存在。"]
    assert set(response.json()) == {"customer", "contact", "shipping_address"}
    assert Order.objects.count() == 0


def test_service_row_errors_come_back_nested_per_line(personas, stock):
    # given
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    # Both pass the serializer's shape checks; the service finds them wrong.
    products[2].is_active = False
    products[2].save()
    payload = order_payload(customer, products, quantities=("1", "0", "2"))

    # when
    response = api_as(personas["rep1"]).post("/api/v1/orders/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "lines": {
            "1": {"quantity": ["Enter a quantity above zero."]},
            "2": {"product": [f"{products[2]} is no longer sold."]},
        }
    }
    assert Order.objects.count() == 0


def test_create_with_an_idempotency_key_answers_a_retry_with_the_first_answer(personas, stock):
    # given
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    # when
    first = client.post("/api/v1/orders/", order_payload(customer, products), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    retry = client.post("/api/v1/orders/", order_payload(customer, products), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    # then
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_patch_replaces_the_lines_of_a_draft_and_bumps_its_version(personas, stock):
    # given
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products[:2], ["1", "1"])

    # when
    response = api_as(personas["rep1"]).patch(
        f"/api/v1/orders/{order.pk}/",
        {"version": 1, "notes": "加急", "lines": [{"product": products[2].pk, "quantity": "4"}]},
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["notes"], body["total"]) == (2, "加急", "452.00")
    assert [(ln["product"], ln["quantity"]) for ln in body["lines"]] == [(products[2].pk, "4.000")]
    assert response["ETag"] == '"2"'


@pytest.mark.parametrize(
    ("body", "headers"),
    [({"version": 1}, {}), ({}, {"HTTP_IF_MATCH": '"1"'}), ({}, {"HTTP_IF_MATCH": "1"})],
    ids=["version-field", "if-match-etag", "if-match-bare"],
)
def test_a_stale_edit_is_refused_with_409_and_changes_nothing(personas, stock, body, headers):
    # given: someone else saved version 2 in between
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products[:1])
    client = api_as(personas["rep1"])
    client.patch(f"/api/v1/orders/{order.pk}/", {"notes": "first"}, format="json")

    # when
    response = client.patch(f"/api/v1/orders/{order.pk}/", {"notes": "second", **body}, format="json", **headers)

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["current_version"] == 2
    order.refresh_from_db()
    assert (order.notes, order.version) == ("first", 2)


def test_a_current_if_match_lets_the_edit_through(personas, stock):
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products[:1])

    response = api_as(personas["rep1"]).patch(
        f"/api/v1/orders/{order.pk}/", {"notes": "ok"}, format="json", HTTP_IF_MATCH='W/"1"'
    )

    assert (response.status_code, response.json()["version"]) == (200, 2)


def test_a_malformed_if_match_is_bad_input(personas, stock):
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products[:1])

    response = api_as(personas["rep1"]).patch(
        f"/api/v1/orders/{order.pk}/", {"notes": "x"}, format="json", HTTP_IF_MATCH="abc", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == {"If-Match": ["Send the record's version, e.g. If-Match: 3."]}


def test_editing_a_confirmed_order_is_refused_as_not_editable(personas, stock):
    _warehouse, products = stock
    order = order_submit(order=draft_order(personas["rep1"], products[:1]), actor=personas["rep1"])

    response = api_as(personas["rep1"]).patch(f"/api/v1/orders/{order.pk}/", {"notes": "late"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert response.json()["status"] == "confirmed"


def test_submit_with_enough_stock_confirms_and_reserves(personas, stock):
    warehouse, products = stock
    order = draft_order(personas["rep1"], products[:2], ["3", "1"])

    response = api_as(personas["rep1"]).post(f"/api/v1/orders/{order.pk}/submit/")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert [ln["reserved_quantity"] for ln in response.json()["lines"]] == ["3.000", "1.000"]
    assert StockLevel.objects.get(product=products[0], warehouse=warehouse).reserved == Decimal("3")


def test_submit_without_enough_stock_is_a_409_naming_the_product_and_reserves_nothing(personas, stock):
    # given
    warehouse, products = stock
    order = draft_order(personas["rep1"], products[:2], ["5", "101"])

    # when
    response = api_as(personas["rep1"]).post(f"/api/v1/orders/{order.pk}/submit/")

    # then
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["product"], body["requested"], body["available"]) == (
        "insufficient_stock",
        products[1].pk,
        "101.000",
        "100.000",
    )
    assert products[1].name in body["detail"]
    assert not StockLevel.objects.filter(warehouse=warehouse, reserved__gt=0).exists()
    order.refresh_from_db()
    assert order.status == "draft"


def test_submitting_twice_is_a_transition_not_allowed(personas, stock):
    _warehouse, products = stock
    order = order_submit(order=draft_order(personas["rep1"], products[:1]), actor=personas["rep1"])

    response = api_as(personas["rep1"]).post(f"/api/v1/orders/{order.pk}/submit/")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["action"], response.json()["status"]) == (
        "transition_not_allowed",
        "submit",
        "confirmed",
    )


def test_submit_of_an_incomplete_order_is_field_keyed_bad_input(personas, stock):
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    order = draft_order(personas["rep1"], products[:1], customer=customer)
    api_as(personas["rep1"]).patch(f"/api/v1/orders/{order.pk}/", {"contact": None}, format="json")

    response = api_as(personas["rep1"]).post(f"/api/v1/orders/{order.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"contact": ["Choose a contact before submitting."]}


def test_a_price_below_floor_goes_to_approval_where_only_a_manager_decides(personas, stock):
    # given: a 25% discount takes the net price under the floor of 80
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    rep = api_as(personas["rep1"])
    payload = order_payload(customer, products[:1], quantities=("1",))
    payload["lines"][0]["discount_percent"] = "25"
    order = rep.post("/api/v1/orders/", payload, format="json").json()

    # when
    submitted = rep.post(f"/api/v1/orders/{order['id']}/submit/").json()
    by_rep = rep.post(f"/api/v1/orders/{order['id']}/approve/", {}, format="json")
    seen_by_manager = api_as(personas["manager1"]).get(f"/api/v1/orders/{order['id']}/").json()
    approved = api_as(personas["manager1"]).post(
        f"/api/v1/orders/{order['id']}/approve/", {"comment": "老客户"}, format="json"
    )

    # then
    assert submitted["status"] == "pending_approval"
    assert submitted["allowed_actions"] == ["cancel"]
    assert by_rep.status_code == 403
    assert by_rep.json()["code"] == "permission_denied"
    assert seen_by_manager["allowed_actions"] == ["approve", "reject", "cancel"]
    assert (approved.status_code, approved.json()["status"]) == (200, "confirmed")


def test_reject_needs_a_comment_and_sends_the_order_back_to_draft(personas, stock):
    # given
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products[:1])
    api_as(personas["rep1"]).patch(
        f"/api/v1/orders/{order.pk}/",
        {"lines": [{"product": products[0].pk, "quantity": "1", "unit_price": "50"}]},
        format="json",
    )
    order_submit(order=order, actor=personas["rep1"])
    manager = api_as(personas["manager1"])

    # when
    blank = manager.post(f"/api/v1/orders/{order.pk}/reject/", {"comment": " "}, format="json")
    rejected = manager.post(f"/api/v1/orders/{order.pk}/reject/", {"comment": "价格太低"}, format="json")

    # then
    assert blank.status_code == 400
    assert list(blank.json()) == ["comment"]
    assert (rejected.status_code, rejected.json()["status"]) == (200, "draft")


def test_hold_resume_and_cancel_take_a_reason(personas, stock):
    # given
    warehouse, products = stock
    order = order_submit(order=draft_order(personas["rep1"], products[:1], ["4"]), actor=personas["rep1"])
    client = api_as(personas["rep1"])

    # when
    no_reason = client.post(f"/api/v1/orders/{order.pk}/hold/", {"reason": ""}, format="json")
    held = client.post(f"/api/v1/orders/{order.pk}/hold/", {"reason": "客户要求暂停"}, format="json").json()
    resumed = client.post(f"/api/v1/orders/{order.pk}/resume/").json()
    cancelled = client.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "客户取消"}, format="json").json()

    # then
    assert no_reason.status_code == 400
    assert (held["status"], held["hold_reason"]) == ("on_hold", "客户要求暂停")
    assert resumed["status"] == "confirmed"
    assert (cancelled["status"], cancelled["cancel_reason"], cancelled["allowed_actions"]) == (
        "cancelled",
        "客户取消",
        [],
    )
    assert StockLevel.objects.get(product=products[0], warehouse=warehouse).reserved == 0


def test_list_filters_by_status_and_searches_by_number(personas, stock):
    # given
    _warehouse, products = stock
    confirmed = order_submit(order=draft_order(personas["rep1"], products[:1]), actor=personas["rep1"])
    draft = draft_order(personas["rep1"], products[:1])
    client = api_as(personas["rep1"])

    # when
    by_status = client.get("/api/v1/orders/", {"status": "draft"}).json()
    by_number = client.get("/api/v1/orders/", {"q": confirmed.number}).json()

    # then
    assert [o["id"] for o in by_status["results"]] == [draft.pk]
    assert [o["id"] for o in by_number["results"]] == [confirmed.pk]


def test_the_timeline_lists_the_orders_events_newest_first(personas, stock):
    _warehouse, products = stock
    order = order_submit(order=draft_order(personas["rep1"], products[:1]), actor=personas["rep1"])

    response = api_as(personas["rep1"]).get(f"/api/v1/orders/{order.pk}/events/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["verb"] for e in results] == ["order.confirmed", "order.submitted", "order.created"]
    latest = Event.objects.get(pk=results[0]["id"])
    assert results[0] == {
        "id": latest.pk,
        "occurred_at": results[0]["occurred_at"],
        "actor": "rep1",
        "verb": "order.confirmed",
        "object_type": "order",
        "object_id": order.pk,
        "object_repr": order.number,
        "changes": {"status": ["draft", "confirmed"]},
        "data": {},
        "request_id": "",
        "ip_address": None,
    }


def test_list_queries_do_not_grow_with_the_number_of_orders(personas, stock, django_assert_num_queries):
    # given
    _warehouse, products = stock
    client = api_as(personas["rep1"])
    draft_order(personas["rep1"], products)

    # then: token, 2 × permissions, count, orders with customer and owner, lines with products
    # (sales.selectors.order_api_queryset: contact, address and quotation are keys on the order), custom fields
    with django_assert_num_queries(7):
        assert client.get("/api/v1/orders/").json()["count"] == 1
    for _ in range(4):
        draft_order(personas["rep1"], products)
    with django_assert_num_queries(7):
        assert client.get("/api/v1/orders/").json()["count"] == 5


def test_detail_takes_a_fixed_number_of_queries(personas, stock, django_assert_num_queries):
    _warehouse, products = stock
    order = draft_order(personas["rep1"], products)
    client = api_as(personas["rep1"])

    # token, 2 × permissions, the custom fields (the list's filters apply to a read too), order, lines
    with django_assert_num_queries(6):
        assert client.get(f"/api/v1/orders/{order.pk}/").status_code == 200

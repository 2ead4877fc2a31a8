"""The approvers' and sellers' worklists: pages, API and counts show exactly what waits, in scope."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.core import worklists
from gendan.sales.models import QuotationStatus
from gendan.sales.services import order_hold, order_reject, order_submit, order_update
from gendan.sales.services_quotations import quotation_send
from gendan.sales.tests.quotation_helpers import draft_quotation
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db


def _discounted(order, actor, products, discount="15"):
    lines = [{"product": p, "quantity": Decimal("1"), "discount_percent": Decimal(discount)} for p in products]
    return order_update(order=order, actor=actor, lines=lines)


def _rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].rows], response


def _count(user, key):
    return {w.key: c for w, c in worklists.with_counts(user)}[key]


@pytest.fixture
def products(db):
    return stocked_products(2)[1]


def test_approval_inbox_lists_what_others_submitted_oldest_first_with_the_reason(client, personas, products):
    first = order_submit(
        order=_discounted(draft_order(personas["rep1"], products), personas["rep1"], products), actor=personas["rep1"]
    )
    second = order_submit(
        order=_discounted(draft_order(personas["rep3"], products), personas["rep3"], products), actor=personas["rep3"]
    )
    # The manager's own submission (35 % is above a manager's 30 %) waits for someone else.
    own = draft_order(personas["manager1"], products)
    own = order_submit(order=_discounted(own, personas["manager1"], products, "35"), actor=personas["manager1"])
    confirmed = order_submit(order=draft_order(personas["rep1"], products), actor=personas["rep1"])
    client.force_login(personas["manager1"])

    approvals, response = _rows(client, reverse("sales_work:approvals"))

    assert [a.order for a in approvals] == [first, second]
    content = response.content.decode()
    assert "15" in content and first.number in content and confirmed.number not in content
    assert _count(personas["manager1"], "sales.approvals") == 2
    # The executive decides the manager's own.
    client.force_login(personas["boss1"])
    approvals, _response = _rows(client, reverse("sales_work:approvals"))
    assert [a.order for a in approvals] == [first, second, own]


def test_people_who_do_not_approve_have_no_inbox(client, personas):
    client.force_login(personas["rep1"])
    assert client.get(reverse("sales_work:approvals")).status_code == 403
    assert "sales.approvals" not in [w.key for w in worklists.for_user(personas["rep1"])]
    assert api_as(personas["rep1"]).get("/api/v1/worklists/approvals/").status_code == 403


def test_approval_inbox_api_gives_the_reasons_in_words(personas, products):
    order = order_submit(
        order=_discounted(draft_order(personas["rep1"], products), personas["rep1"], products), actor=personas["rep1"]
    )

    body = api_as(personas["manager1"]).get("/api/v1/worklists/approvals/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["order"] == order.pk and row["order_number"] == order.number
    assert row["requested_by"] == personas["rep1"].pk
    assert row["reasons"][0]["code"] == "discount_above_limit"
    assert "15" in row["reason_texts"][0]


def test_orders_needing_attention_are_on_hold_refused_or_late_in_that_order(client, personas, products):
    rep = personas["rep1"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = order_submit(order=draft_order(rep, products, promised_date=yesterday), actor=rep)
    held = order_hold(order=order_submit(order=draft_order(rep, products), actor=rep), actor=rep, reason="等客户确认")
    refused = order_submit(order=_discounted(draft_order(rep, products), rep, products), actor=rep)
    refused = order_reject(order=refused, actor=personas["manager1"], comment="折扣太高")
    order_submit(order=draft_order(rep, products), actor=rep)  # confirmed and on time: nothing wrong
    order_submit(order=draft_order(personas["rep3"], products, promised_date=yesterday), actor=personas["rep3"])
    client.force_login(rep)

    orders, response = _rows(client, reverse("sales_work:orders_attention"))

    assert [(o.pk, o.attention) for o in orders] == [(held.pk, "on_hold"), (refused.pk, "refused"), (late.pk, "late")]
    assert "等客户确认" in response.content.decode()
    # Sorted by urgency, which no index holds: the page's keys are sorted alone, then those orders read.
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("sales_work:orders_attention"))
    keys_only = 'SELECT "sales_order"."id" AS "pk" FROM "sales_order"'
    assert any(q["sql"].startswith(keys_only) and "ORDER BY" in q["sql"] for q in queries.captured_queries)
    assert _count(rep, "sales.orders_attention") == 3
    body = api_as(rep).get("/api/v1/worklists/orders-attention/").json()
    assert [(r["id"], r["attention"]) for r in body["results"]] == [
        (held.pk, "on_hold"),
        (refused.pk, "refused"),
        (late.pk, "late"),
    ]
    # The API list filters like the order list does.
    body = api_as(rep).get("/api/v1/worklists/orders-attention/?status=on_hold").json()
    assert [r["id"] for r in body["results"]] == [held.pk]
    # A manager sees the team's.
    assert _count(personas["manager1"], "sales.orders_attention") == 4


def test_quotations_awaiting_an_answer_are_the_sent_ones_longest_waiting_first(client, personas, products):
    rep = personas["rep1"]
    older = quotation_send(quotation=draft_quotation(rep, products), actor=rep)
    newer = quotation_send(quotation=draft_quotation(rep, products), actor=rep)
    draft_quotation(rep, products)
    quotation_send(quotation=draft_quotation(personas["rep3"], products), actor=personas["rep3"])
    client.force_login(rep)

    quotations, _response = _rows(client, reverse("sales_work:quotations_awaiting"))

    assert [q.pk for q in quotations] == [older.pk, newer.pk]
    assert all(q.status == QuotationStatus.SENT for q in quotations)
    body = api_as(rep).get("/api/v1/worklists/quotations-awaiting/").json()
    assert [r["id"] for r in body["results"]] == [older.pk, newer.pk]
    assert _count(rep, "sales.quotations_awaiting") == 2


def test_worklist_pages_cost_the_same_queries_for_one_row_or_many(
    client, personas, products, django_assert_max_num_queries
):
    rep = personas["rep1"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    order_submit(order=draft_order(rep, products, promised_date=yesterday), actor=rep)
    client.force_login(rep)
    url = reverse("sales_work:orders_attention")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        order_submit(order=draft_order(rep, products, promised_date=yesterday), actor=rep)
    with django_assert_max_num_queries(len(one)):
        client.get(url)

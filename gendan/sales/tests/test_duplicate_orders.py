"""ORD-2: an order like one the customer placed in the last 24 hours needs a reason to go ahead."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.sales.models import Order
from gendan.sales.services import order_cancel, order_create
from gendan.sales.tests.test_views import editor_post
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def first(personas):
    _warehouse, products = stocked_products(2)
    return draft_order(personas["rep1"], products, ["3", "5"])


def again(rep, first, quantities=("3", "5"), **kwargs):
    products = [line.product for line in first.lines.order_by("position")]
    kwargs.setdefault("repeat_reason", "")
    return draft_order(rep, products, list(quantities), customer=first.customer, **kwargs)


def test_the_same_products_and_quantities_within_a_day_need_a_reason(personas, first):
    rep = personas["rep1"]

    with pytest.raises(ApplicationError) as exc:
        again(rep, first)

    assert (exc.value.code, exc.value.extra) == (ErrorCode.DUPLICATE_ORDER, {"duplicate_of": [first.number]})
    assert Order.objects.count() == 1

    second = again(rep, first, repeat_reason="客户追加同样一批")

    created = Event.objects.get(verb="order.created", object_id=second.pk)
    assert created.data["duplicate_of"] == [first.number]
    assert created.data["duplicate_reason"] == "客户追加同样一批"


@pytest.mark.parametrize("case", ["other quantities", "a day later", "cancelled"])
def test_what_is_not_a_duplicate(personas, first, case):
    rep = personas["rep1"]
    quantities = ("3", "5")
    if case == "other quantities":
        quantities = ("3", "6")
    elif case == "a day later":
        Order.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    elif case == "cancelled":
        order_cancel(order=first, actor=rep, reason="录错了")
    assert again(rep, first, quantities).pk


def test_the_order_of_the_lines_does_not_hide_a_duplicate(personas, first):
    products = [line.product for line in first.lines.order_by("-position")]

    with pytest.raises(ApplicationError):
        draft_order(personas["rep1"], products, ["5", "3"], customer=first.customer, repeat_reason="")


def test_a_blank_reason_is_no_reason(personas, first):
    with pytest.raises(ApplicationError):
        again(personas["rep1"], first, repeat_reason="   ")


def test_the_api_answers_409_with_the_duplicates_and_takes_a_reason(personas, first):
    client = api_as(personas["rep1"])
    body = {
        "customer": first.customer_id,
        "lines": [{"product": line.product_id, "quantity": str(line.quantity)} for line in first.lines.all()],
    }

    refused = client.post("/api/v1/orders/", body, format="json")
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["duplicate_of"]) == ("duplicate_order", [first.number])

    created = client.post("/api/v1/orders/", {**body, "duplicate_reason": "补单"}, format="json")
    assert created.status_code == 201


def test_the_order_form_asks_for_the_reason_and_keeps_what_was_typed(client, personas, first):
    client.force_login(personas["rep1"])
    rows = {
        f"r{i}": {"product": line.product_id, "quantity": str(line.quantity)}
        for i, line in enumerate(first.lines.order_by("position"))
    }
    data = editor_post(first.customer, first.warehouse, rows)

    refused = client.post(reverse("sales:order_create"), data)

    body = refused.content.decode()
    assert 'data-testid="duplicate-warning"' in body and first.number in body
    assert Order.objects.count() == 1

    created = client.post(reverse("sales:order_create"), {**data, "duplicate_reason": "同款再订一批"})
    assert created.status_code == 302
    assert Order.objects.count() == 2


def test_an_accepted_quotation_is_not_a_duplicate_entry(personas, first):
    order = order_create(
        actor=personas["rep1"],
        customer=first.customer,
        lines=[{"product": line.product, "quantity": line.quantity} for line in first.lines.all()],
        check_duplicates=False,
    )
    assert order.pk and Decimal(order.total) == Decimal(first.total)

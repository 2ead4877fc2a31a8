"""A line keeps its product's cost from the moment it was sold: the gross margin of a past sale does not move when
the product's cost does."""

from decimal import Decimal

import pytest
from django.utils import timezone

from gendan.analytics.metrics import get_metric
from gendan.catalog.services import product_update
from gendan.sales.services import order_submit
from gendan.sales.services_changes import change_request_create, change_request_submit
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = Decimal


def margin(user):
    today = timezone.localdate()
    return get_metric("gross_margin").compute(user, today, today).total


def test_a_draft_has_no_cost_and_confirming_it_keeps_the_products_cost(personas):
    rep, admin = personas["rep1"], personas["admin"]
    _warehouse, products = stocked_products(2, cost=D("30.00"), list_price=D("100.00"))
    order = draft_order(rep, products, ["2", "1"])
    assert [line.unit_cost for line in order.lines.all()] == [None, None]

    order_submit(order=order, actor=rep)

    assert [line.unit_cost for line in order.lines.order_by("position")] == [D("30.00"), D("30.00")]
    assert margin(admin) == D("300.00") - D("90.00")


def test_a_later_cost_changes_no_past_margin_and_a_change_costs_only_its_new_lines(personas):
    rep, admin = personas["rep1"], personas["admin"]
    _warehouse, products = stocked_products(2, cost=D("30.00"), list_price=D("100.00"))
    order = order_submit(order=draft_order(rep, products[:1], ["2"]), actor=rep)
    before = margin(admin)

    product_update(product=products[0], actor=admin, cost=D("80.00"))
    product_update(product=products[1], actor=admin, cost=D("45.00"))

    assert margin(admin) == before == D("140.00")
    line = order.lines.get()
    change = change_request_create(
        order=order,
        actor=rep,
        reason="One more product",
        lines=[
            {"line": line.pk, "quantity": D("2")},
            {"line": None, "product": products[1], "quantity": D("1")},
        ],
    )
    change_request_submit(change=change, actor=rep)

    costs = {line.product_id: line.unit_cost for line in order.lines.all()}
    assert costs == {products[0].pk: D("30.00"), products[1].pk: D("45.00")}
    assert margin(admin) == D("140.00") + D("100.00") - D("45.00")

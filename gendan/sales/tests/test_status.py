"""The derived statuses are pure functions of quantities and amounts: examples, then invariants."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gendan.sales.status import billing_status_of, delivery_status_of, payment_status_of, road_of

D = Decimal


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], "not_shipped"),
        ([(D(5), D(0), D(0))], "not_shipped"),
        ([(D(5), D(2), D(0))], "partially_shipped"),
        ([(D(5), D(5), D(0)), (D(1), D(0), D(0))], "partially_shipped"),
        ([(D(5), D(5), D(0)), (D(1), D(1), D(0))], "shipped"),
        ([(D(5), D(5), D(5)), (D(1), D(1), D(0))], "shipped"),
        ([(D(5), D(5), D(5)), (D(1), D(1), D(1))], "delivered"),
        ([(D("0.5"), D("0.5"), D("0.5"))], "delivered"),
    ],
)
def test_delivery_status(lines, expected):
    assert delivery_status_of(lines) == expected


@pytest.mark.parametrize(
    ("status", "delivery", "payment", "steps"),
    [
        ("confirmed", "not_shipped", "unpaid", []),
        ("confirmed", "partially_shipped", "unpaid", ["partially_shipped"]),
        ("confirmed", "delivered", "unpaid", ["shipped", "delivered"]),
        ("confirmed", "delivered", "paid", ["shipped", "delivered", "closed"]),
        ("partially_shipped", "shipped", "paid", ["shipped"]),
        ("delivered", "delivered", "partially_paid", []),
        ("delivered", "delivered", "paid", ["closed"]),
        ("on_hold", "not_shipped", "unpaid", []),
    ],
)
def test_the_road_an_order_takes_by_its_derived_statuses(status, delivery, payment, steps):
    assert [step for step, _verb in road_of(status, delivery, payment)] == steps


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], "not_invoiced"),
        ([(D(5), D(0))], "not_invoiced"),
        ([(D(5), D(1)), (D(2), D(0))], "partially_invoiced"),
        ([(D(5), D(5)), (D(2), D(1))], "partially_invoiced"),
        ([(D(5), D(5)), (D(2), D(2))], "invoiced"),
    ],
)
def test_billing_status(lines, expected):
    assert billing_status_of(lines) == expected


@pytest.mark.parametrize(
    ("billing", "invoiced", "paid", "expected"),
    [
        ("not_invoiced", D(0), D(0), "unpaid"),
        ("partially_invoiced", D(100), D(0), "unpaid"),
        ("partially_invoiced", D(100), D(100), "partially_paid"),  # more is still to be invoiced
        ("invoiced", D(226), D("225.99"), "partially_paid"),
        ("invoiced", D(226), D(226), "paid"),
        ("invoiced", D(0), D(0), "paid"),  # a free order, fully invoiced at nothing
    ],
)
def test_payment_status(billing, invoiced, paid, expected):
    assert payment_status_of(billing, invoiced, paid) == expected


quantities = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3)


@st.composite
def order_lines(draw):
    """(quantity, shipped, delivered, invoiced) rows that respect the model's constraints."""
    rows = []
    for quantity in draw(st.lists(quantities, min_size=1, max_size=6)):
        shipped = draw(st.decimals(min_value=0, max_value=quantity, places=3))
        delivered = draw(st.decimals(min_value=0, max_value=shipped, places=3))
        invoiced = draw(st.decimals(min_value=0, max_value=shipped, places=3))
        rows.append((quantity, shipped, delivered, invoiced))
    return rows


@given(order_lines())
def test_delivery_status_follows_the_quantities(rows):
    status = delivery_status_of((q, s, d) for q, s, d, _i in rows)

    if all(d == q for q, _s, d, _i in rows):
        assert status == "delivered"
    elif all(s == q for q, s, _d, _i in rows):
        assert status == "shipped"
    elif any(s > 0 for _q, s, _d, _i in rows):
        assert status == "partially_shipped"
    else:
        assert status == "not_shipped"


@given(order_lines())
def test_delivered_implies_shipped_implies_some_shipped(rows):
    status = delivery_status_of((q, s, d) for q, s, d, _i in rows)

    if status in ("delivered", "shipped"):
        assert all(s == q for q, s, _d, _i in rows)
    if status != "not_shipped":
        assert any(s > 0 for _q, s, _d, _i in rows)


@given(order_lines())
def test_invoiced_only_when_everything_shipped_is_and_everything_is_shipped(rows):
    status = billing_status_of((q, i) for q, _s, _d, i in rows)

    assert (status == "invoiced") == all(i == q for q, _s, _d, i in rows)
    assert (status == "not_invoiced") == all(i == 0 for _q, _s, _d, i in rows)
    if status == "invoiced":
        assert delivery_status_of((q, s, d) for q, s, d, _i in rows) in ("shipped", "delivered")


money = st.decimals(min_value=0, max_value=D("1000000"), places=2)


@given(st.sampled_from(["not_invoiced", "partially_invoiced", "invoiced"]), money, money)
def test_paid_only_when_everything_is_invoiced_and_settled(billing, invoiced, paid):
    status = payment_status_of(billing, invoiced, paid)

    assert (status == "paid") == (billing == "invoiced" and paid >= invoiced)
    assert (status == "unpaid") == (status != "paid" and paid == 0)

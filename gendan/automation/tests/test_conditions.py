"""Rule conditions: every operator gives the same answer in Python and in SQL; bad input is refused by field."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.automation import conditions as cond
from gendan.crm.models import Customer
from gendan.sales.models import Order
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(personas):
    """Three orders of rep1's that differ in every field the cases below look at."""
    _warehouse, products = stocked_products(1)
    rows = {
        "A": {
            "status": "draft",
            "total": Decimal("100.00"),
            "promised_date": datetime.date(2025, 3, 10),
            "notes": "加急 Urgent",
            "region": "浙江省",
        },
        "B": {"status": "confirmed", "total": Decimal("250.00"), "promised_date": None, "notes": "", "region": ""},
        "C": {
            "status": "on_hold",
            "total": Decimal("50.00"),
            "promised_date": datetime.date(2025, 4, 1),
            "notes": "normal",
            "region": "江苏省",
        },
    }
    made = {}
    for name, row in rows.items():
        order = draft_order(personas["rep1"], products)
        Customer.objects.filter(pk=order.customer_id).update(region=row.pop("region"))
        Order.objects.filter(pk=order.pk).update(**row)
        made[name] = Order.objects.get(pk=order.pk)
    return made


CASES = [
    ({"field": "status", "op": "eq", "value": "draft"}, {"A"}),
    ({"field": "status", "op": "ne", "value": "draft"}, {"B", "C"}),
    ({"field": "status", "op": "in", "value": ["draft", "on_hold"]}, {"A", "C"}),
    ({"field": "status", "op": "not_in", "value": ["draft", "on_hold"]}, {"B"}),
    ({"field": "total", "op": "gt", "value": "100"}, {"B"}),
    ({"field": "total", "op": "gte", "value": "100"}, {"A", "B"}),
    ({"field": "total", "op": "lt", "value": "100"}, {"C"}),
    ({"field": "total", "op": "lte", "value": "100.00"}, {"A", "C"}),
    # NULL is neither before nor after a date, as in SQL.
    ({"field": "promised_date", "op": "lt", "value": "2025-03-31"}, {"A"}),
    ({"field": "promised_date", "op": "gte", "value": "2025-03-31"}, {"C"}),
    ({"field": "promised_date", "op": "is_empty", "value": None}, {"B"}),
    ({"field": "promised_date", "op": "is_not_empty", "value": None}, {"A", "C"}),
    ({"field": "promised_date", "op": "ne", "value": "2025-03-10"}, {"B", "C"}),
    ({"field": "notes", "op": "is_empty", "value": None}, {"B"}),
    ({"field": "notes", "op": "is_not_empty", "value": None}, {"A", "C"}),
    ({"field": "notes", "op": "contains", "value": "urgent"}, {"A"}),
    ({"field": "customer__region", "op": "eq", "value": "浙江省"}, {"A"}),
    ({"field": "customer__region", "op": "in", "value": "浙江省, 江苏省"}, {"A", "C"}),
    ({"field": "customer__region", "op": "is_empty", "value": None}, {"B"}),
    ({"field": "owner__role", "op": "eq", "value": "sales_rep"}, {"A", "B", "C"}),
]


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[f"{c['field']}-{c['op']}" for c, _e in CASES])
def test_each_operator_gives_the_same_records_in_python_and_in_sql(orders, condition, expected):
    stored = cond.validate_conditions(Order, [condition])

    in_python = {name for name, order in orders.items() if cond.evaluate(order, stored)}
    in_sql = set(Order.objects.filter(cond.to_q(Order, stored)).values_list("pk", flat=True))

    assert in_python == expected
    assert in_sql == {orders[name].pk for name in expected}


def test_all_conditions_must_hold(orders):
    stored = cond.validate_conditions(
        Order,
        [{"field": "status", "op": "in", "value": ["draft", "on_hold"]}, {"field": "total", "op": "gte", "value": 60}],
    )

    assert [name for name, order in orders.items() if cond.evaluate(order, stored)] == ["A"]
    assert list(Order.objects.filter(cond.to_q(Order, stored)).values_list("pk", flat=True)) == [orders["A"].pk]


def test_no_conditions_hold_for_every_record(orders):
    assert all(cond.evaluate(order, []) for order in orders.values())
    assert Order.objects.filter(cond.to_q(Order, [])).count() == 3


def test_values_are_stored_in_their_canonical_form():
    stored = cond.validate_conditions(
        Order,
        [
            {"field": "total", "op": "gte", "value": "100"},
            {"field": "promised_date", "op": "lt", "value": "2025-03-31"},
            {"field": "status", "op": "in", "value": "confirmed, on_hold"},
            {"field": "customer", "op": "eq", "value": "7"},
            {"field": "notes", "op": "is_empty", "value": "ignored"},
        ],
    )

    assert stored == [
        {"field": "total", "op": "gte", "value": "100"},
        {"field": "promised_date", "op": "lt", "value": "2025-03-31"},
        {"field": "status", "op": "in", "value": ["confirmed", "on_hold"]},
        {"field": "customer", "op": "eq", "value": 7},
        {"field": "notes", "op": "is_empty", "value": None},
    ]


def test_bad_fields_operators_and_values_are_refused_row_by_row(english):
    with pytest.raises(ValidationError) as refused:
        cond.validate_conditions(
            Order,
            [
                {"field": "status", "op": "eq", "value": "confirmed"},
                {"field": "colour", "op": "eq", "value": "red"},
                {"field": "status", "op": "like", "value": "x"},
                {"field": "status", "op": "eq", "value": "sent"},
                {"field": "total", "op": "gt", "value": "lots"},
                {"field": "customer__owner__password", "op": "eq", "value": "x"},
                {"field": "lines__quantity", "op": "gt", "value": "1"},
                {"field": "status", "op": "gt", "value": "draft"},
                {"field": "total", "op": "contains", "value": "1"},
                {"field": "status", "op": "in", "value": []},
                {"field": "customer__nope", "op": "eq", "value": "1"},
            ],
        )

    errors = refused.value.message_dict
    assert errors["conditions.1.field"] == ["sales order has no field “colour”."]
    assert errors["conditions.2.op"][0].startswith("Unknown operator “like”")
    assert errors["conditions.3.value"][0].startswith("“sent” is not one of the choices")
    assert errors["conditions.4.value"] == ["“lots” value must be a decimal number."]
    assert errors["conditions.5.field"] == ["“password” of a user cannot be used in a condition."]
    assert errors["conditions.6.field"] == ["“lines” cannot be used in a condition."]
    assert errors["conditions.7.op"] == ["Only numbers, dates and times can be compared as larger or smaller."]
    assert errors["conditions.8.op"] == ["“contains” works on text fields only."]
    assert errors["conditions.9.value"] == ["Enter at least one value."]
    assert errors["conditions.10.field"] == ["customer has no field “nope”."]
    assert not any(key.startswith("conditions.0.") for key in errors)

"""The metrics narrowed by filters and grouped by two groupings, against the first quarter of 2026 (conftest.quarter),
each figure worked out by hand from it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.analytics.metrics import get_metric

from .conftest import Q1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def compute(quarter, name, reader="boss1", **options):
    return get_metric(name).compute(quarter.people[reader], *Q1, **options)


def rows(result):
    return [(row.key, row.value) for row in result.rows]


@pytest.mark.parametrize(
    ("filters", "total"),
    [
        # A 100 and B 250, Alice's; C 40 and I 20 are Carol's, in North.
        (lambda q: {"team": [q.east.pk]}, "350.00"),
        (lambda q: {"owner": [q.rep3.pk]}, "60.00"),
        # B's second line 50, C 40, I 20.
        (lambda q: {"product": [q.p2.pk]}, "110.00"),
        # A 100 and I 20: Carol sold to Alice's customer too.
        (lambda q: {"customer": [q.c1.pk]}, "120.00"),
        (lambda q: {"customer": [q.c1.pk, q.c3.pk]}, "160.00"),
        (lambda q: {"region": ["华东"]}, "120.00"),
        # C's customer has no region ("": "No region").
        (lambda q: {"region": [""]}, "40.00"),
        # Nobody without a team sold anything.
        (lambda q: {"team": [None]}, "0.00"),
        # Both at once: Carol's lines of P2, C and I.
        (lambda q: {"owner": [q.rep3.pk], "product": [q.p2.pk]}, "60.00"),
        (lambda q: {"owner": [q.rep1.pk], "customer": [q.c3.pk]}, "0.00"),
    ],
)
def test_a_filter_keeps_the_records_of_its_rows_only(quarter, filters, total):
    assert compute(quarter, "sales", filters=filters(quarter)).total == Decimal(total)


def test_a_filter_narrows_the_rows_and_every_part_of_the_metric(quarter):
    # when: collected is allocations, money on account and refunds, each narrowed to Alice's customer
    result = compute(quarter, "collected", filters={"customer": [quarter.c1.pk]}, group_by="owner")

    # then: 113 applied to A's invoice for Alice, 22.60 to I's for Carol
    assert result.total == Decimal("135.60")
    assert rows(result) == [(quarter.rep1.pk, Decimal("113.00")), (quarter.rep3.pk, Decimal("22.60"))]


def test_a_filter_across_an_orders_lines_counts_each_order_once_and_keeps_the_rows_of_its_key(quarter):
    # A and B hold P1; by product, only P1's row (B's P2 line is not kept)
    result = compute(quarter, "orders", filters={"product": [quarter.p1.pk]}, group_by="product")

    assert result.total == 2
    assert rows(result) == [(quarter.p1.pk, 2)]


def test_a_filter_is_read_within_the_readers_scope(quarter):
    # Alice asking for Carol's sales sees none of them.
    assert compute(quarter, "sales", reader="rep1", filters={"owner": [quarter.rep3.pk]}).total == Decimal("0.00")


def test_two_groupings_give_the_pairs_that_hold_records_in_order(quarter):
    result = compute(quarter, "sales", group_by=("month", "owner"))

    assert rows(result) == [
        (("2026-01-01", quarter.rep1.pk), Decimal("100.00")),
        (("2026-02-01", quarter.rep1.pk), Decimal("250.00")),
        (("2026-03-01", quarter.rep3.pk), Decimal("60.00")),
    ]
    assert [row.label for row in result.rows] == [
        ("January 2026", "rep1"),
        ("February 2026", "rep1"),
        ("March 2026", "rep3"),
    ]
    assert result.total == Decimal("410.00")
    assert result.rows_add_up


def test_two_groupings_name_both_keys_and_sort_by_the_first_then_the_second(quarter):
    result = compute(quarter, "sales", group_by=("owner", "product"))

    assert [(row.label, row.value) for row in result.rows] == [
        (("rep1", "P1 阀门"), Decimal("300.00")),
        (("rep1", "P2 管件"), Decimal("50.00")),
        (("rep3", "P2 管件"), Decimal("60.00")),
    ]


def test_two_groupings_of_a_ratio_divide_within_each_pair(quarter):
    # Quotations sent in the quarter (live versions): Alice's of 26 Jan accepted, 1 Feb rejected, 1 Feb accepted
    # (order D's); Carol's QT-5 revision 2 accepted, 10 Mar waiting.
    result = compute(quarter, "quotation_conversion", group_by=("owner", "month"))

    assert rows(result) == [
        ((quarter.rep1.pk, "2026-01-01"), Decimal("100.0")),
        ((quarter.rep1.pk, "2026-02-01"), Decimal("50.0")),
        ((quarter.rep3.pk, "2026-03-01"), Decimal("50.0")),
    ]
    assert not result.rows_add_up


def test_two_groupings_and_a_filter_together(quarter):
    result = compute(quarter, "sales", group_by=("team", "product"), filters={"customer": [quarter.c1.pk]})

    assert rows(result) == [
        ((quarter.east.pk, quarter.p1.pk), Decimal("100.00")),
        ((quarter.north.pk, quarter.p2.pk), Decimal("20.00")),
    ]


def test_the_queries_of_two_groupings_and_filters_are_fixed(quarter, django_assert_num_queries):
    boss = quarter.people["boss1"]
    # the total, the grouped rows, and the labels of each grouping but time
    with django_assert_num_queries(3):
        get_metric("sales").compute(boss, *Q1, group_by=("month", "owner"), filters={"team": [quarter.east.pk]})
    with django_assert_num_queries(4):
        get_metric("sales").compute(boss, *Q1, group_by=("owner", "product"), filters={"region": ["华东"]})


@pytest.mark.parametrize(
    ("metric", "options", "errors"),
    [
        ("sales", {"filters": {"month": ["2026-01-01"]}}, {"month": ["Sales cannot be narrowed by month."]}),
        ("invoiced", {"filters": {"product": [1]}}, {"product": ["Invoiced cannot be narrowed by product."]}),
        (
            "sales",
            {"group_by": ("month", "owner"), "compare": "previous"},
            {"compare": ["Rows grouped by two things are not compared with another period."]},
        ),
        ("sales", {"group_by": ("owner", "owner")}, {"group_by": ["Group by one thing, or by two different things."]}),
        (
            "sales",
            {"group_by": ("owner", "team", "month")},
            {"group_by": ["Group by one thing, or by two different things."]},
        ),
        ("receivables", {"group_by": ("owner", "month")}, {"group_by": ["Receivables cannot be grouped by month."]}),
    ],
)
def test_a_filter_or_grouping_the_metric_cannot_take_is_a_field_error(quarter, metric, options, errors):
    with pytest.raises(ValidationError) as refused:
        compute(quarter, metric, **options)

    assert refused.value.message_dict == errors

"""Document numbers: the default and configured patterns, the monthly reset, no gaps from failed creates."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gendan.core.models import NumberCounter, NumberSequence
from gendan.core.numbering import format_number, next_number, next_numbers, number_taken, numbers_taken
from gendan.sales.models import Order
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

UTC = datetime.UTC


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=UTC), tick=False)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("SO{yyyy}{mm}{seq:05}", "SO20250300042"),
        ("SO-{yy}{mm}{dd}-{seq:3}", "SO-250307-042"),
        ("C{seq:06}", "C000042"),
        ("X{seq}", "X42"),
        ("X{seq:02}", "X42"),
    ],
)
def test_format_number(pattern, expected):
    assert format_number(pattern, datetime.date(2025, 3, 7), 42) == expected


def test_orders_are_numbered_so_year_month_and_five_digits_counting_up():
    with at(2025, 3, 7, 4, 0):
        assert [next_number("sales_order") for _ in range(3)] == ["SO20250300001", "SO20250300002", "SO20250300003"]


def test_the_sequence_starts_again_each_month_in_local_time():
    # 2025-01-31 16:30 UTC is already 1 February in Shanghai.
    with at(2025, 1, 31, 15, 59):
        assert next_number("sales_order") == "SO20250100001"
    with at(2025, 1, 31, 16, 30):
        assert next_number("sales_order") == "SO20250200001"
    with at(2025, 2, 27, 0, 0):
        assert next_number("sales_order") == "SO20250200002"
    assert sorted(NumberCounter.objects.values_list("period", "last_value")) == [("202501", 1), ("202502", 2)]


def test_numbers_are_uppercase_whatever_the_pattern_so_a_search_finds_them_by_prefix():
    NumberSequence.objects.create(doc_type="sales_order", pattern="so-{yy}{mm}-{seq:03}")

    with at(2025, 3, 7, 4, 0):
        assert next_number("sales_order") == "SO-2503-001"


def test_document_types_count_separately():
    with at(2025, 3, 7, 4, 0):
        assert (
            next_number("sales_order"),
            next_number("shipment"),
            next_number("invoice"),
            next_number("payment"),
        ) == (
            "SO20250300001",
            "SH20250300001",
            "INV20250300001",
            "PAY20250300001",
        )
        assert next_number("customer") == "C000001"


def test_the_pattern_is_configurable():
    NumberSequence.objects.create(doc_type="sales_order", pattern="XS-{yyyy}-{seq:4}")

    with at(2025, 3, 7, 4, 0):
        assert next_number("sales_order") == "XS-2025-0001"
    with at(2025, 12, 7, 4, 0):
        # The pattern has no month, so the count runs on through the year.
        assert next_number("sales_order") == "XS-2025-0002"


def test_a_document_of_the_past_is_numbered_in_the_series_of_its_own_month():
    with at(2026, 12, 7, 4, 0):
        first = next_number("shipment", at=datetime.datetime(2023, 3, 5, 4, tzinfo=UTC))
        second = next_number("shipment", at=datetime.datetime(2023, 3, 9, 4, tzinfo=UTC))
        today = next_number("shipment")

    assert (first, second, today) == ("SH20230300001", "SH20230300002", "SH20261200001")


@pytest.mark.parametrize(
    ("pattern", "given", "counter"),
    [
        ("SO{yyyy}{mm}{seq:05}", "so20261200042", ("202612", 42)),
        ("SO-{yy}{mm}{dd}-{seq:3}", "SO-261207-9", ("20261207", 9)),
        ("C{seq:06}", "C000120", ("", 120)),
        ("XS-{yyyy}-{seq:4}", "XS-2026-0001-A", None),
        ("XS-{yyyy}-{seq:4}", "XS-2026-" + "9" * 30, None),
    ],
)
def test_a_number_given_elsewhere_moves_the_counter_past_it_if_the_pattern_makes_such_numbers(pattern, given, counter):
    NumberSequence.objects.create(doc_type="sales_order", pattern=pattern)

    number_taken("sales_order", given)

    assert list(NumberCounter.objects.values_list("period", "last_value")) == ([counter] if counter else [])


def test_a_counter_past_a_given_number_stays_where_it_is():
    with at(2026, 12, 7, 4, 0):
        for _ in range(3):
            next_number("sales_order")
        number_taken("sales_order", "SO20261200002")
        number_taken("sales_order", "SO20261200005")
        assert next_number("sales_order") == "SO20261200006"
        number_taken("sales_order", "SO20261200004")
        assert next_number("sales_order") == "SO20261200007"


def test_a_batch_is_numbered_in_the_order_given_each_in_its_own_months_series_after_what_is_taken():
    march, april = datetime.datetime(2023, 3, 5, 4, tzinfo=UTC), datetime.datetime(2023, 4, 1, 4, tzinfo=UTC)
    with at(2026, 12, 7, 4, 0):
        before = next_number("shipment", at=march)

        batch = next_numbers("shipment", [april, march, None, march, april])
        after = next_number("shipment", at=march)

    assert before == "SH20230300001"
    assert batch == ["SH20230400001", "SH20230300002", "SH20261200001", "SH20230300003", "SH20230400002"]
    assert after == "SH20230300004"


def test_numbers_given_in_a_batch_move_each_periods_counter_past_the_highest():
    with at(2026, 12, 7, 4, 0):
        numbers_taken("sales_order", ["SO20261100007", "SO20261100003", "SO20261200002", "XS-1", "SO20261100005"])
        given_after = (
            next_number("sales_order", at=datetime.datetime(2026, 11, 9, 4, tzinfo=UTC)),
            next_number("sales_order"),
        )

    assert given_after == ("SO20261100008", "SO20261200003")


def test_a_pattern_needs_a_sequence_part():
    with pytest.raises(ValidationError) as exc:
        NumberSequence(doc_type="sales_order", pattern="SO{yyyy}{mm}").full_clean()

    assert list(exc.value.message_dict) == ["pattern"]


def test_a_rolled_back_create_gives_its_number_back(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    with at(2025, 3, 7, 4, 0):
        first = draft_order(rep, products)

        # when: a create that fails after its number was drawn
        with pytest.raises(RuntimeError), transaction.atomic():
            draft_order(rep, products)
            raise RuntimeError("fails later in the same transaction")

        # then
        second = draft_order(rep, products)
    assert (first.number, second.number) == ("SO20250300001", "SO20250300002")


def test_numbers_are_unique_by_constraint(personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    clone = draft_order(rep, products)

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=clone.pk).update(number=order.number)
    with pytest.raises(IntegrityError), transaction.atomic():
        NumberCounter.objects.create(doc_type="sales_order", period=NumberCounter.objects.get().period)

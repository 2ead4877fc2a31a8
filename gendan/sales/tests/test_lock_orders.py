"""A batch of orders locked with their lines in one statement, each order named by position when it is refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gendan.core.errors import ErrorCode, ItemErrors
from gendan.sales.services import lock_orders_with_lines
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def orders(personas):
    _warehouse, products = stocked_products(3)
    return {
        "rep1": draft_order(personas["rep1"], products, quantities=["1", "2", "3"]),
        "rep1-short": draft_order(personas["rep1"], products[:1]),
        "rep3": draft_order(personas["rep3"], products[1:]),
    }


def test_each_order_comes_with_its_lines_in_their_places_in_one_statement(personas, orders):
    ids = [orders["rep1-short"].pk, orders["rep1"].pk]

    with CaptureQueriesContext(connection) as queries:
        locked = lock_orders_with_lines(ids, actor=personas["rep1"])

    assert len(queries) == 1
    assert sorted(locked) == sorted(ids)
    order, lines = locked[orders["rep1"].pk]
    assert order == orders["rep1"]
    assert [(line.position, line.quantity) for line in lines] == [(1, 1), (2, 2), (3, 3)]
    assert all(line.order is order for line in lines)
    assert [len(lines) for _order, lines in (locked[pk] for pk in ids)] == [1, 3]


def test_an_order_out_of_sight_or_gone_is_refused_by_its_place_in_the_batch(personas, orders):
    gone = orders["rep1-short"].pk
    orders["rep1-short"].delete()

    with pytest.raises(ItemErrors) as refused:
        lock_orders_with_lines([orders["rep1"].pk, orders["rep3"].pk, gone], actor=personas["rep1"])

    assert sorted(refused.value.by_item) == [1, 2]
    assert {problem.code for problem in refused.value.by_item.values()} == {ErrorCode.PERMISSION_DENIED}
    # Their manager sees both teams'.
    assert len(lock_orders_with_lines([orders["rep1"].pk, orders["rep3"].pk], actor=personas["manager1"])) == 2

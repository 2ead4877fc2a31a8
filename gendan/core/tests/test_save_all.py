"""save_all: several rows of one model saved with one UPDATE, each row keeping its own values."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gendan.core import services
from gendan.core.services import save_all
from gendan.imports.models import Import
from gendan.sales.models import OrderLine
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_each_row_gets_its_own_values_shared_or_not_in_one_statement_stamped_now(personas):
    order = draft_order(personas["rep1"], stocked_products(4)[1], quantities=["1", "2", "3", "4"])
    lines = list(order.lines.order_by("position"))
    stamped = {line.pk: line.updated_at for line in lines}
    for line, reserved, discount in zip(lines, ["1", "1", "0.5", "7"], ["10", "10", "10", "10"], strict=True):
        line.reserved_quantity, line.discount_percent = Decimal(reserved), Decimal(discount)
    lines[3].quantity = Decimal("9")

    with CaptureQueriesContext(connection) as queries:
        save_all(lines, ["reserved_quantity", "discount_percent", "quantity"])

    assert len(queries) == 1
    saved = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    assert [(saved[line.pk].reserved_quantity, saved[line.pk].quantity) for line in lines] == [
        (Decimal("1"), Decimal("1")),
        (Decimal("1"), Decimal("2")),
        (Decimal("0.5"), Decimal("3")),
        (Decimal("7"), Decimal("9")),
    ]
    assert {saved[line.pk].discount_percent for line in lines} == {Decimal("10")}
    assert all(saved[pk].updated_at > stamped[pk] for pk in stamped)


def test_empty_null_and_json_values_each_reach_their_own_row(personas, monkeypatch):
    monkeypatch.setattr(services, "SAVE_ALL_ROWS", 2)
    imports = [Import.objects.create(user=personas["admin"], kind="customers", file_name=f"f{i}.csv") for i in range(5)]
    finished = datetime.datetime(2026, 3, 1, 4, tzinfo=datetime.UTC)
    values = [
        ({"a": 1}, "", None),
        ({"a": 1}, "x", finished),
        ({"a": [1, 2]}, "", finished),
        ({}, "x", None),
        ({"b": "二"}, "", None),
    ]
    for imp, (result, name, at) in zip(imports, values, strict=True):
        imp.result, imp.file_name, imp.finished_at = result, name, at

    with CaptureQueriesContext(connection) as queries:
        save_all(imports, ["result", "file_name", "finished_at"])

    assert len(queries) == 3
    assert [
        Import.objects.values_list("result", "file_name", "finished_at").get(pk=imp.pk) for imp in imports
    ] == values

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from gendan.core.exports import export_response
from gendan.core.selectors import timeline_events
from gendan.crm.services import contact_add, customer_create, customer_update
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


COLUMNS = [
    ("名称", "name"),
    ("Amount", "amount"),
    ("Day", lambda row: row.day),
    ("Owner", "owner.name"),
]


class Row:
    def __init__(self, name, amount, day, owner=None):
        self.name, self.amount, self.day, self.owner = name, amount, day, owner


class Owner:
    name = "王芳"


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas():
    rows = [Row("=SUM(A1)", Decimal("1234.50"), datetime.date(2025, 3, 1), Owner()), Row("上海", Decimal("-2"), None)]

    response = export_response(rows, COLUMNS, "csv", "导出")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AF%BC%E5%87%BA.csv"
    assert response.content[:3] == b"\xef\xbb\xbf"
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["名称", "Amount", "Day", "Owner"],
        ["'=SUM(A1)", "1234.5", "2025-03-01", "王芳"],
        ["上海", "-2", "", ""],
    ]


def test_xlsx_export_keeps_numbers_and_dates_typed_and_text_as_text():
    at = timezone.make_aware(datetime.datetime(2025, 3, 1, 9, 30))
    rows = [Row("=SUM(A1)", Decimal("1234.50"), at, Owner())]

    response = export_response(rows, COLUMNS, "xlsx", "orders")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.values) == [
        ("名称", "Amount", "Day", "Owner"),
        ("=SUM(A1)", 1234.5, datetime.datetime(2025, 3, 1, 9, 30), "王芳"),
    ]
    assert sheet["A2"].data_type == "s"


def test_export_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        export_response([], COLUMNS, "pdf", "x")


def test_timeline_names_each_event_with_its_changes_and_child_records(personas):
    # given
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="时间线客户")
    customer_update(customer=customer, actor=rep, version=customer.version, level="A")
    contact_add(customer=customer, actor=rep, name="周杰")

    # when
    html = render_to_string("includes/timeline.html", {"events": timeline_events(customer)})

    # then
    assert html.index("added a contact") < html.index("edited the customer") < html.index("created the customer")
    assert "周杰" in html  # the child record is named
    assert "A — key account" in html and "B — regular" in html  # a choice change shows its labels
    assert html.count("<li>") == 3 + 1  # three events, one change row


def test_timeline_query_count_is_one(personas, django_assert_num_queries):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    for level in ["A", "C", "B"]:
        customer.refresh_from_db()
        customer_update(customer=customer, actor=rep, version=customer.version, level=level)

    with django_assert_num_queries(1):
        render_to_string("includes/timeline.html", {"events": timeline_events(customer)})

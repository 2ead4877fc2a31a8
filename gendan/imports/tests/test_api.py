"""/api/v1/imports/: the contract's fields, its 400s and 409s, the commit through the worker, the templates."""

import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gendan.crm.models import Customer
from gendan.imports.models import Import
from gendan.sales.models import Order
from tests.api_client import api_as
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/api/v1/imports/"


def post(client, kind, text, **extra):
    return client.post(URL, {"kind": kind, "file": csv_file(text), **extra}, format="multipart")


def test_an_upload_answers_201_with_the_dry_runs_errors(personas):
    response = post(api_as(personas["rep1"]), "customers", "客户名称,信用额度\n甲公司,很多\n乙公司,100\n")

    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "status", "rows", "errors", "progress"}
    assert body["status"] == "checked"
    assert body["rows"] == 2
    assert body["errors"] == [{"row": 2, "column": "信用额度", "message": "Enter a number."}]
    assert body["progress"] == {"rows_done": 2, "rows_total": 2, "percent": 100}


def test_a_clean_upload_commits_and_reads_done(personas):
    # given
    client = api_as(personas["rep1"])
    created = post(client, "customers", "公司名称,联系人,联系电话\n甲公司,周立,13800000001\n").json()

    # when
    committed = client.post(f"{URL}{created['id']}/commit/")
    again = client.post(f"{URL}{created['id']}/commit/")

    # then: the worker (immediate in tests) has run it
    assert committed.status_code == 200
    assert client.get(f"{URL}{created['id']}/").json()["status"] == "done"
    assert Customer.objects.get().contacts.get().phone == "13800000001"
    assert again.status_code == 409
    assert again.json()["code"] == "import_not_checked"


def test_commit_with_errors_is_409(personas):
    client = api_as(personas["rep1"])
    created = post(client, "customers", "客户名称\n\n甲公司\n甲公司\n").json()

    response = client.post(f"{URL}{created['id']}/commit/")

    assert response.status_code == 409
    assert response.json()["code"] == "import_has_errors"


def test_a_mapping_names_the_columns_the_api_did_not_recognise(personas):
    client = api_as(personas["rep1"])
    text = "单位,内部分类\n甲公司,重点\n"

    refused = post(client, "customers", text)
    mapped = post(client, "customers", text, mapping=json.dumps({"单位": "name", "内部分类": ""}))

    assert refused.status_code == 400
    assert list(refused.json()) == ["mapping"]
    assert mapped.status_code == 201
    assert mapped.json()["mapping"] == {"单位": "name", "内部分类": ""}


@pytest.mark.parametrize(
    ("kind", "text", "field"),
    [
        ("suppliers", "a\n1\n", "kind"),
        ("orders", "a\n1\n", "mapping"),
        ("", "a\n1\n", "kind"),
        ("customers", "", "file"),
    ],
)
def test_bad_input_is_a_400_keyed_by_field_and_creates_nothing(personas, kind, text, field):
    response = post(api_as(personas["admin"]), kind, text)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Import.objects.count() == 0


def test_a_rep_cannot_import_products(personas):
    response = post(api_as(personas["rep1"]), "products", "产品编码,产品名称,标准价\nA,阀门,1\n")

    assert response.status_code == 403
    assert Import.objects.count() == 0


def test_an_import_is_seen_by_its_creator_and_administrators_only(personas):
    created = post(api_as(personas["rep1"]), "customers", "客户名称\n甲\n").json()

    answers = {r: api_as(personas[r]).get(f"{URL}{created['id']}/").status_code for r in ("rep1", "rep2", "admin")}

    assert answers == {"rep1": 200, "rep2": 404, "admin": 200}
    assert api_as(personas["finance1"]).get(URL).status_code == 403


@pytest.mark.parametrize(
    ("lang", "first", "required"),
    [("zh-hans", "客户编码", "客户名称*"), ("en", "Customer code", "Customer name*")],
)
def test_templates_in_both_languages_and_formats(personas, lang, first, required):
    client = api_as(personas["rep1"])

    xlsx = client.get(f"{URL}templates/customers/", {"format": "xlsx", "lang": lang})
    csv = client.get(f"{URL}templates/customers/", {"format": "csv", "lang": lang})

    assert xlsx.status_code == csv.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers[:2] == [first, required]
    assert book.worksheets[1].max_row > len(headers)  # a line explaining each column
    assert csv.content.startswith(b"\xef\xbb\xbf")
    assert csv.content.decode("utf-8-sig").splitlines()[0].split(",")[:2] == [first, required]


def test_a_template_of_an_unknown_kind_or_format_is_400(personas):
    response = api_as(personas["rep1"]).get(f"{URL}templates/suppliers/", {"format": "pdf"})

    assert response.status_code == 400
    assert set(response.json()) == {"kind", "format"}


def test_historical_orders_go_through_the_api_end_to_end(personas):
    # given
    CustomerFactory(code="KH001", owner=personas["rep1"])
    ProductFactory(sku="FM-DN50")
    WarehouseFactory()
    client = api_as(personas["admin"])
    text = (
        "订单号,客户,下单日期,产品,数量,单价,发货日期,签收日期,开票日期,回款金额,回款日期\n"
        "XS-1,KH001,2025-03-03,FM-DN50,2,100,2025-03-05,2025-03-06,2025-03-07,226,2025-03-30\n"
    )

    # when
    created = post(client, "orders", text).json()
    committed = client.post(f"{URL}{created['id']}/commit/")

    # then
    assert (created["status"], created["errors"]) == ("checked", [])
    assert committed.status_code == 200
    assert client.get(f"{URL}{created['id']}/").json()["created"] == 1
    order = Order.objects.get(number="XS-1")
    assert (order.status, order.amount_paid) == ("closed", Decimal("226"))


def test_the_orders_template_names_the_columns_in_both_languages(personas):
    client = api_as(personas["rep1"])

    zh = client.get(f"{URL}templates/orders/", {"format": "csv", "lang": "zh-hans"})
    en = client.get(f"{URL}templates/orders/", {"format": "xlsx", "lang": "en"})

    assert zh.content.decode("utf-8-sig").splitlines()[0].split(",")[:3] == ["订单号*", "客户*", "下单日期*"]
    book = load_workbook(io.BytesIO(en.content))
    assert [cell.value for cell in book.worksheets[0][1]][:3] == ["Order number*", "Customer*", "Order date*"]
    notes = [row[0].value for row in book.worksheets[1].iter_rows()]
    assert any(note and "an order not shipped yet reserves today's stock" in note for note in notes)

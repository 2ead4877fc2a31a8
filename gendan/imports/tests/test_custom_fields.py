"""Custom fields in imports: a column per field in the templates, matched by label or key, values checked by the
same check as the forms (person by name, dates from spreadsheet cells), errors on the field's column."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from gendan.catalog.models import Product
from gendan.core.services_custom_fields import custom_field_create
from gendan.crm.models import Customer
from gendan.imports.jobs import commit_import
from gendan.imports.services import import_check, import_commit, import_create
from gendan.imports.sheets import template_file
from tests.api_client import api_as

from .conftest import csv_file, xlsx_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def customer_fields(personas):
    admin = personas["admin"]
    custom_field_create(
        actor=admin, record_type="crm.customer", key="tier", label="会员等级", kind="choice", choices=["金", "银"]
    )
    custom_field_create(actor=admin, record_type="crm.customer", key="partner", label="对接人", kind="person")
    custom_field_create(actor=admin, record_type="crm.customer", key="since", label="合作开始", kind="date")
    custom_field_create(
        actor=admin, record_type="crm.customer", key="seats", label="Seats", kind="number", required=True
    )


def checked(imp):
    import_check(imp.pk)
    imp.refresh_from_db()
    return imp


def test_custom_fields_are_columns_of_the_template_with_what_they_take(personas, customer_fields):
    book = load_workbook(io.BytesIO(template_file("customers", "zh-hans", "xlsx")))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers[-4:] == ["会员等级", "对接人", "合作开始", "Seats*"]
    notes = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2) if row[0].value}
    assert notes["会员等级"] == "One of: 金, 银."
    assert notes["对接人"] == "A user, by user name or full name."
    assert notes["Seats*"] == "A number."


def test_a_file_with_custom_columns_imports_them_by_label_or_key(personas, customer_fields):
    admin, rep2 = personas["admin"], personas["rep2"]
    upload = xlsx_file(
        [
            ["客户名称", "会员等级", "对接人", "since", "seats"],
            ["苏州恒信机械有限公司", "金", "rep2", datetime.datetime(2021, 3, 1), 40],
            ["无锡精工阀门厂", "", "", None, "12.5"],
        ]
    )
    imp = checked(import_create(actor=admin, kind="customers", upload=upload))
    assert imp.status == "checked" and imp.errors == []
    assert imp.mapping == {
        "客户名称": "name",
        "会员等级": "cf_tier",
        "对接人": "cf_partner",
        "since": "cf_since",
        "seats": "cf_seats",
    }

    import_commit(imp=imp, actor=admin)
    commit_import(imp.pk)

    values = dict(Customer.objects.values_list("name", "custom_fields"))
    assert values == {
        "苏州恒信机械有限公司": {"tier": "金", "partner": rep2.pk, "since": "2021-03-01", "seats": "40"},
        "无锡精工阀门厂": {"seats": "12.5"},
    }


def test_bad_custom_values_are_errors_on_their_columns_with_the_rows_other_errors(personas, customer_fields):
    text = (
        "客户名称,会员等级,对接人,合作开始,Seats\n"
        "苏州恒信机械有限公司,铜,nobody,2021-13-01,many\n"
        ",金,,,3\n"
        "无锡精工阀门厂,金,,,\n"
    )
    imp = checked(import_create(actor=personas["admin"], kind="customers", upload=csv_file(text)))

    assert sorted(imp.errors, key=lambda e: (e["row"], e["column"])) == [
        {"row": 2, "column": "Seats", "message": "Enter a number."},
        {"row": 2, "column": "会员等级", "message": "Choose one of: 金, 银."},
        {"row": 2, "column": "合作开始", "message": "Enter a date as YYYY-MM-DD."},
        {"row": 2, "column": "对接人", "message": "Nobody here is called nobody."},
        {"row": 3, "column": "客户名称", "message": "A customer needs a name."},
        {"row": 4, "column": "Seats", "message": "This field is required."},
    ]
    assert not Customer.objects.exists()


def test_a_required_custom_field_needs_its_column(personas, customer_fields):
    response = api_as(personas["admin"]).post(
        "/api/v1/imports/", {"kind": "customers", "file": csv_file("客户名称\n某公司\n")}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["mapping"] == ["No column holds Seats, which every row needs."]


def test_products_take_their_custom_fields(personas):
    custom_field_create(actor=personas["admin"], record_type="catalog.product", key="origin", label="产地", kind="text")
    text = "产品编码,产品名称,单价,产地\nFM-1,闸阀,320,无锡\n"
    imp = checked(import_create(actor=personas["admin"], kind="products", upload=csv_file(text)))
    assert imp.errors == []
    import_commit(imp=imp, actor=personas["admin"])
    commit_import(imp.pk)

    assert Product.objects.get().custom_fields == {"origin": "无锡"}

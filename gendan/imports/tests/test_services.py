"""Imports through the services: reading the files, naming the columns, the dry run's errors, the commit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from gendan.catalog.models import Product
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.imports import rows
from gendan.imports.jobs import commit_import
from gendan.imports.models import ColumnMapping, Import
from gendan.imports.services import import_check, import_commit, import_create, import_map
from gendan.inventory.models import StockLevel, StockMove
from tests.factories import ProductFactory, WarehouseFactory

from .conftest import csv_file, xlsx_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CUSTOMERS = (
    "客户编码,客户名称,联系人,手机,省份,城市,详细地址,信用额度\n"
    "KH001,苏州恒信机械有限公司,王建国,13912345678,江苏省,苏州市,金枫路88号,200000\n"
    "KH002,无锡精工阀门厂,李梅,13800000002,江苏省,无锡市,梁溪路1号,5万\n"
    "KH003,苏州恒信机械有限公司,赵六,13800000003,,,,\n"
    "KH001,常州远大,钱七,13800000004,,,,\n"
)


def checked(imp: Import) -> Import:
    import_check(imp.pk)
    imp.refresh_from_db()
    return imp


def test_a_dry_run_names_every_bad_row_by_its_row_number_and_column_and_writes_nothing(personas):
    # given
    admin = personas["admin"]
    before = (Customer.objects.count(), Event.objects.exclude(verb__startswith="import.").count())

    # when
    imp = checked(import_create(actor=admin, kind="customers", upload=csv_file(CUSTOMERS)))

    # then: the credit limit of row 3 is not a number, rows 4 and 5 repeat row 2's name and code
    assert imp.status == "checked"
    assert imp.errors == [
        {"row": 3, "column": "信用额度", "message": "Enter a number."},
        {"row": 4, "column": "客户名称", "message": "The same as row 2 of this file."},
        {"row": 5, "column": "客户编码", "message": "The same as row 2 of this file."},
    ]
    assert (Customer.objects.count(), Event.objects.exclude(verb__startswith="import.").count()) == before
    assert list(Event.objects.filter(verb__startswith="import.").order_by("pk").values_list("verb", flat=True)) == [
        "import.uploaded",
        "import.checked",
    ]


def test_a_clean_file_commits_through_the_job_with_contacts_addresses_and_events(personas):
    # given
    admin = personas["admin"]
    text = "\n".join(CUSTOMERS.splitlines()[:2]) + "\nKH002,无锡精工阀门厂,李梅,13800000002,,,,50000\n"
    imp = checked(import_create(actor=admin, kind="customers", upload=csv_file(text)))
    assert imp.errors == []

    # when
    import_commit(imp=imp, actor=admin)
    commit_import(imp.pk)
    imp.refresh_from_db()

    # then
    assert imp.status == "done"
    assert imp.result["created"] == 2
    first = Customer.objects.get(code="KH001")
    assert first.name == "苏州恒信机械有限公司"
    assert first.credit_limit == Decimal("200000")
    assert [(c.name, c.phone) for c in first.contacts.all()] == [("王建国", "13912345678")]
    assert [(a.recipient, a.phone, a.city, a.street) for a in first.addresses.all()] == [
        ("王建国", "13912345678", "苏州市", "金枫路88号")
    ]
    assert Customer.objects.get(code="KH002").addresses.count() == 0
    assert Event.objects.filter(verb="customer.created").count() == 2
    assert list(Event.objects.filter(verb__startswith="import.").order_by("pk").values_list("verb", flat=True)) == [
        "import.uploaded",
        "import.checked",
        "import.commit_requested",
        "import.done",
    ]


def test_the_commit_job_run_twice_imports_once(personas):
    admin = personas["admin"]
    text = "客户名称\n甲公司\n乙公司\n"
    imp = checked(import_create(actor=admin, kind="customers", upload=csv_file(text)))
    import_commit(imp=imp, actor=admin)

    commit_import(imp.pk)
    commit_import(imp.pk)

    assert Customer.objects.count() == 2
    assert Event.objects.filter(verb="import.done").count() == 1


def test_a_row_failing_at_commit_leaves_nothing_and_the_import_failed(personas):
    # given: checked clean, then someone enters one of its products by hand before the commit
    admin = personas["admin"]
    text = "产品编码,产品名称,标准价\nA-1,阀门,100\nA-2,管件,20\nA-3,法兰,30\n"
    imp = checked(import_create(actor=admin, kind="products", upload=csv_file(text)))
    assert imp.errors == []
    ProductFactory(sku="A-2")
    import_commit(imp=imp, actor=admin)
    before = (Product.objects.count(), Event.objects.filter(verb="product.created").count())

    # when
    commit_import(imp.pk)
    imp.refresh_from_db()

    # then
    assert imp.status == "failed"
    assert imp.errors == [{"row": 3, "column": "产品编码", "message": "A product with this code is already here."}]
    assert (Product.objects.count(), Event.objects.filter(verb="product.created").count()) == before
    assert Event.objects.filter(verb="import.failed").count() == 1


def test_the_same_file_twice_is_refused_row_by_row(personas):
    admin = personas["admin"]
    text = "产品编码,产品名称,标准价,最低价\nA-1,阀门,100,\nA-2,管件,20,15\n"
    first = checked(import_create(actor=admin, kind="products", upload=csv_file(text)))
    import_commit(imp=first, actor=admin)
    commit_import(first.pk)

    again = checked(import_create(actor=admin, kind="products", upload=csv_file(text)))

    assert Product.objects.get(sku="A-1").floor_price == Decimal("100.00")
    assert again.errors == [
        {"row": 2, "column": "产品编码", "message": "A product with this code is already here."},
        {"row": 3, "column": "产品编码", "message": "A product with this code is already here."},
    ]
    with pytest.raises(ApplicationError) as refused:
        import_commit(imp=again, actor=admin)
    assert refused.value.code == "import_has_errors"
    assert Product.objects.count() == 2


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_excel_writes_reads_the_chinese_intact(personas, encoding):
    text = "客户名称,联系人,手机\n北京华龙鑫业科技有限公司,欧阳娜,13900001111\n"

    imp = checked(import_create(actor=personas["admin"], kind="customers", upload=csv_file(text, encoding)))

    assert imp.headers == ["客户名称", "联系人", "手机"]
    assert imp.mapping == {"客户名称": "name", "联系人": "contact_name", "手机": "contact_phone"}
    assert imp.errors == []
    import_commit(imp=imp, actor=personas["admin"])
    commit_import(imp.pk)
    assert Customer.objects.get().contacts.get().name == "欧阳娜"


def test_an_xlsx_is_read_with_numbers_as_typed_and_opening_stock_goes_in_through_inventory(personas):
    # given
    warehouse = WarehouseFactory(code="WH1", name="苏州仓")
    product = ProductFactory(sku="FM-DN50")
    rows = [["产品编码", "仓库", "期初数量"], ["FM-DN50", "苏州仓", 120], [None, None, None], ["FM-DN50", "WH1", 3]]
    clerk = personas["warehouse1"]

    # when
    imp = checked(import_create(actor=clerk, kind="stock", upload=xlsx_file(rows)))

    # then: the blank row is skipped, the rows keep their numbers
    assert imp.errors == [{"row": 4, "column": "产品编码", "message": "The same as row 2 of this file."}]
    fixed = checked(import_create(actor=clerk, kind="stock", upload=xlsx_file(rows[:2])))
    import_commit(imp=fixed, actor=clerk)
    commit_import(fixed.pk)
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == Decimal("120")
    assert StockMove.objects.get().note == f"Opening stock, import {fixed.pk}"


def test_a_file_that_is_neither_xlsx_nor_csv_is_a_field_error(personas):
    for data in (b"\xd0\xcf\x11\xe0binary", b"PK\x03\x04not a zip", b"\x00\x01\x02"):
        with pytest.raises(ValidationError) as refused:
            import_create(actor=personas["admin"], kind="products", upload=csv_file(data.decode("latin-1"), "latin-1"))
        assert list(refused.value.message_dict) == ["file"]
    assert Import.objects.count() == 0


def test_size_and_row_limits_come_from_settings(personas, settings):
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ValidationError) as refused:
        import_create(actor=personas["admin"], kind="customers", upload=csv_file("客户名称\n甲\n乙\n丙\n"))
    assert refused.value.message_dict == {"file": ["The file has 3 rows; one import takes at most 2."]}


def test_unrecognised_columns_wait_for_the_user_and_the_choice_is_remembered(personas):
    # given: a sheet of the company's own
    admin = personas["admin"]
    text = "单位,对接人,内部分类\n甲公司,张三,重点\n"

    # when: first upload, columns named by the user
    first = import_create(actor=admin, kind="customers", upload=csv_file(text), ask_mapping=True)
    assert first.status == "mapping"
    assert first.mapping == {}
    import_map(imp=first, actor=admin, mapping={"单位": "name", "对接人": "contact_name", "内部分类": ""})

    # then: the same columns next time, in another order, map by themselves
    again = import_create(actor=admin, kind="customers", upload=csv_file("对接人,内部分类,单位\n李四,一般,乙公司\n"))
    assert again.status == "checking"
    assert again.mapping == {"单位": "name", "对接人": "contact_name", "内部分类": ""}
    assert ColumnMapping.objects.count() == 1


def test_the_api_way_refuses_unnamed_columns_and_a_mapping_without_the_required_field(personas):
    admin = personas["admin"]
    with pytest.raises(ValidationError) as unnamed:
        import_create(actor=admin, kind="customers", upload=csv_file("单位\n甲\n"))
    with pytest.raises(ValidationError) as no_name:
        import_create(actor=admin, kind="customers", upload=csv_file("单位\n甲\n"), mapping={"单位": ""})

    assert unnamed.value.message_dict == {
        "mapping": ['Name these columns in `mapping` (a field, or "" to leave one out): 单位.']
    }
    assert no_name.value.message_dict == {
        "mapping": ["No column holds 客户名称 / Customer name, which every row needs."]
    }
    assert Import.objects.count() == 0


def test_owner_by_user_name_or_full_name_and_unknown_people_named(personas):
    admin = personas["admin"]
    personas["rep3"].last_name = "陈"
    personas["rep3"].first_name = "晓"
    personas["rep3"].save()
    text = "客户名称,负责人\n甲公司,rep1\n乙公司,陈晓\n丙公司,无名氏\n"

    imp = checked(import_create(actor=admin, kind="customers", upload=csv_file(text)))

    assert imp.errors == [{"row": 4, "column": "负责人", "message": "Nobody here is called 无名氏."}]


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        ("rep1", "customers", True),
        ("rep1", "products", False),
        ("rep1", "stock", False),
        ("warehouse1", "stock", True),
        ("warehouse1", "customers", False),
        ("admin", "products", True),
    ],
)
def test_who_may_import_what(personas, role, kind, allowed):
    upload = csv_file("x\n1\n")
    if allowed:
        with pytest.raises(ValidationError):  # past the permission, to the file's columns
            import_create(actor=personas[role], kind=kind, upload=upload)
    else:
        with pytest.raises(ApplicationError) as refused:
            import_create(actor=personas[role], kind=kind, upload=upload)
        assert refused.value.code == "permission_denied"


@pytest.mark.parametrize("kind", ["suppliers", "invoices"])
def test_kinds_not_built_are_a_field_error_on_kind(personas, kind):
    with pytest.raises(ValidationError) as refused:
        import_create(actor=personas["admin"], kind=kind, upload=csv_file("a\n1\n"))
    assert list(refused.value.message_dict) == ["kind"]


def test_commit_is_refused_before_the_dry_run_is_over(personas):
    admin = personas["admin"]
    imp = import_create(actor=admin, kind="customers", upload=csv_file("客户名称\n甲\n"))

    with pytest.raises(ApplicationError) as refused:
        import_commit(imp=imp, actor=admin)

    assert refused.value.code == "import_not_checked"


def test_an_import_is_its_creators_and_the_administrators(personas):
    imp = checked(import_create(actor=personas["rep1"], kind="customers", upload=csv_file("客户名称\n甲\n")))

    with pytest.raises(Import.DoesNotExist):
        import_commit(imp=imp, actor=personas["rep2"])
    assert import_commit(imp=imp, actor=personas["admin"]).status == "committing"


def test_a_row_the_database_refuses_at_commit_is_a_row_error_and_the_import_failed(personas, monkeypatch):
    # given: checked clean; at the commit, a record saved meanwhile makes the database refuse the second row
    admin = personas["admin"]
    imp = checked(
        import_create(
            actor=admin, kind="products", upload=csv_file("产品编码,产品名称,标准价\nB-1,阀门,100\nB-2,管件,20\n")
        )
    )
    import_commit(imp=imp, actor=admin)
    make = rows.HANDLERS["products"]

    def refused_on_b2(ctx, values, row):
        if values["sku"] == "B-2":
            raise IntegrityError("UNIQUE constraint failed: catalog_product.sku")
        return make(ctx, values, row)

    monkeypatch.setitem(rows.HANDLERS, "products", refused_on_b2)

    # when
    commit_import(imp.pk)
    imp.refresh_from_db()

    # then: named on its row, nothing written, the import failed rather than left committing
    assert imp.status == "failed"
    assert imp.errors == [{"row": 3, "column": "", "message": "A record saved meanwhile conflicts with this row."}]
    assert not Product.objects.filter(sku__in=["B-1", "B-2"]).exists()

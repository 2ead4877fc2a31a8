"""Import pages: the list's queries, upload → columns → dry run → commit → done, the templates."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gendan.crm.models import Customer
from gendan.imports.models import Import
from gendan.imports.services import import_check, import_create
from gendan.sales.models import Order
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import csv_file

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_users_imports_in_a_fixed_number_of_queries(client, personas, django_assert_num_queries):
    # given
    rep = personas["rep1"]
    for name in ("甲", "乙", "丙"):
        import_create(actor=rep, kind="customers", upload=csv_file(f"客户名称\n{name}公司\n"))
    import_create(actor=personas["rep2"], kind="customers", upload=csv_file("客户名称\n丁公司\n"))
    client.force_login(rep)
    client.get(reverse("imports:list"))  # the session and the user's permissions, once

    # when
    # session, user, the permissions granted to the user and to their groups (asked once), count, page
    with django_assert_num_queries(6):
        response = client.get(reverse("imports:list"))

    # then
    assert response.status_code == 200
    assert len(response.context["imports"]) == 3


def test_a_sheet_of_ones_own_goes_from_upload_through_the_columns_to_done(client, personas):
    # given
    client.force_login(personas["rep1"])
    upload = csv_file("单位,对接人,手机\n苏州恒信机械有限公司,王建国,13912345678\n", "gb18030")

    # when: uploaded, the unknown columns named, committed
    created = client.post(reverse("imports:new"), {"kind": "customers", "file": upload})
    imp = Import.objects.get()
    assert created.url == reverse("imports:mapping", args=[imp.pk])
    page = client.get(created.url)
    assert page.status_code == 200
    mapped = client.post(created.url, {"column_0": "name", "column_1": "contact_name", "column_2": "contact_phone"})
    assert mapped.url == reverse("imports:detail", args=[imp.pk])
    checked = client.get(mapped.url)
    assert b'data-testid="commit-import"' in checked.content
    client.post(reverse("imports:commit", args=[imp.pk]))

    # then
    done = client.get(reverse("imports:detail", args=[imp.pk]))
    assert b'data-testid="import-done"' in done.content
    assert Customer.objects.get().contacts.get().name == "王建国"


def test_the_dry_runs_errors_are_listed_and_commit_not_offered(client, personas):
    client.force_login(personas["rep1"])
    imp = import_create(actor=personas["rep1"], kind="customers", upload=csv_file("客户名称\n甲\n甲\n"))
    import_check(imp.pk)

    page = client.get(reverse("imports:detail", args=[imp.pk]))

    assert b'data-testid="import-errors"' in page.content
    assert b'data-testid="commit-import"' not in page.content
    assert client.post(reverse("imports:commit", args=[imp.pk])).status_code == 302
    assert Customer.objects.count() == 0


def test_while_running_the_page_polls_and_a_finished_import_reloads_it(client, personas):
    client.force_login(personas["rep1"])
    imp = import_create(actor=personas["rep1"], kind="customers", upload=csv_file("客户名称\n甲\n"))

    polling = client.get(reverse("imports:detail", args=[imp.pk]), headers={"HX-Request": "true"})
    import_check(imp.pk)
    finished = client.get(reverse("imports:detail", args=[imp.pk]), headers={"HX-Request": "true"})

    assert b'hx-trigger="every 1s"' in polling.content
    assert finished["HX-Refresh"] == "true"


def test_someone_elses_import_is_not_found_and_those_who_import_nothing_are_refused(client, personas):
    imp = import_create(actor=personas["rep1"], kind="customers", upload=csv_file("客户名称\n甲\n"))
    client.force_login(personas["rep2"])
    assert client.get(reverse("imports:detail", args=[imp.pk])).status_code == 404
    client.force_login(personas["finance1"])
    assert client.get(reverse("imports:list")).status_code == 403


def test_the_new_page_offers_the_templates_of_the_kinds_one_may_import(client, personas):
    client.force_login(personas["warehouse1"])

    page = client.get(reverse("imports:new"))
    xlsx = client.get(reverse("imports:template", args=["stock"]), {"format": "xlsx", "lang": "en"})

    assert [value for value, _label in page.context["form"].fields["kind"].choices] == ["stock"]
    headers = [cell.value for cell in load_workbook(io.BytesIO(xlsx.content)).worksheets[0][1]]
    assert headers == ["SKU*", "Warehouse*", "Opening quantity*", "Note"]


@pytest.mark.usefixtures("english")
def test_historical_orders_go_from_upload_through_the_dry_run_to_done(client, personas):
    # given
    CustomerFactory(code="KH001", owner=personas["rep1"])
    ProductFactory(sku="FM-DN50")
    WarehouseFactory()
    client.force_login(personas["admin"])
    upload = csv_file(
        "订单号,客户,下单日期,产品,数量,单价,发货日期,签收日期,开票日期\nXS-1,KH001,2025-03-03,FM-DN50,2,100,2025-03-04,"
        "2025-03-05,2025-03-06\n",
        "gb18030",
    )
    new = client.get(reverse("imports:new"))

    # when
    created = client.post(reverse("imports:new"), {"kind": "orders", "file": upload})
    imp = Import.objects.get()
    checked = client.get(created.url)
    client.post(reverse("imports:commit", args=[imp.pk]))

    # then
    assert b'data-testid="template-note-orders"' in new.content
    assert created.url == reverse("imports:detail", args=[imp.pk])
    assert b'data-testid="commit-import"' in checked.content
    done = client.get(reverse("imports:detail", args=[imp.pk]))
    assert b'data-testid="import-done"' in done.content
    assert reverse("sales:order_list").encode() in done.content
    order = Order.objects.get()
    assert order.status == "delivered"
    page = client.get(reverse("sales:order_detail", args=[order.pk]))
    assert page.status_code == 200
    assert "imported the order from history" in page.content.decode()

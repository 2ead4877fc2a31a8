"""Large list downloads: written by the worker (inline under Huey's immediate mode here), streamed, for the asker only."""

import csv
import datetime
import io
import os
import tracemalloc
from decimal import Decimal

import django_tables2 as tables
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from gendan.accounts.roles import Role
from gendan.core import exportable, services_exports
from gendan.core.exports import write_xlsx
from gendan.core.models import Export, ExportStatus
from gendan.core.services_exports import export_build, export_create, exports_purge_expired
from gendan.core.tables import ListTable
from gendan.finance.tests.test_lists import books  # noqa: F401 -- the fixture
from gendan.sales.services import order_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def orders(personas):
    """Ten submitted orders of rep1's and two of rep3's (another team)."""
    _warehouse, products = stocked_products(1, on_hand="1000")
    rep1, rep3 = personas["rep1"], personas["rep3"]
    customer = customer_ready_to_order(rep1)
    mine = [order_submit(order=draft_order(rep1, products, customer=customer), actor=rep1) for _ in range(10)]
    theirs = [order_submit(order=draft_order(rep3, products), actor=rep3) for _ in range(2)]
    return mine, theirs


def _csv(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(content: bytes):
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def _download(client, response):
    """The file behind a background export's status page, once the worker is done."""
    assert response.status_code == 302
    export = Export.objects.get(pk=response.url.strip("/").split("/")[-1])
    assert export.status == ExportStatus.DONE
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    return export, b"".join(download.streaming_content), download


def test_a_small_export_is_answered_at_once(client, personas, orders):
    client.force_login(personas["rep1"])

    response = client.get(reverse("sales:order_list"), {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(_csv(response.content)) == 11
    assert not Export.objects.exists()


def test_a_large_order_export_is_written_by_the_worker_with_the_same_columns_and_rows(
    client, settings, personas, orders
):
    client.force_login(personas["manager1"])
    url = reverse("sales:order_list")
    query = {"status": "confirmed", "sort": "-number"}
    inline_xlsx = _xlsx(client.get(url, {**query, "export": "xlsx"}).content)
    inline_csv = client.get(url, {**query, "export": "csv"}).content
    settings.EXPORT_INLINE_ROWS = 3

    export, xlsx, download = _download(client, client.get(url, {**query, "export": "xlsx"}))
    _csv_export, csv_content, _ = _download(client, client.get(url, {**query, "export": "csv"}))

    assert _xlsx(xlsx) == inline_xlsx
    assert len(inline_xlsx) == 13 and inline_xlsx[0][0] == "Number"
    assert [row[0] for row in inline_xlsx[1:]] == sorted((row[0] for row in inline_xlsx[1:]), reverse=True)
    assert csv_content == inline_csv
    assert export.user == personas["manager1"] and export.list_name == "orders"
    assert export.rows_done == export.rows_total == 12
    assert export.filename.startswith("orders-") and export.filename.endswith(".xlsx")
    assert download["Content-Disposition"] == f'attachment; filename="{export.filename}"'


def test_a_reps_background_export_holds_only_their_scope(client, settings, personas, orders):
    mine, _theirs = orders
    settings.EXPORT_INLINE_ROWS = 3
    client.force_login(personas["rep1"])

    _export, content, _ = _download(client, client.get(reverse("sales:order_list"), {"export": "csv"}))

    assert sorted(row[0] for row in _csv(content)[1:]) == sorted(o.number for o in mine)


class PeopleTable(ListTable):
    export_name = "people"
    name = tables.Column("Name", accessor="username")
    salary = tables.Column("Salary", accessor="pk")


def people_rows(user, data):
    # Only managers see the salary column, as a role-restricted cost column.
    hidden = () if user.role == Role.SALES_MANAGER else ("salary",)
    return PeopleTable, get_user_model().objects.filter(username__startswith=data.get("q", "")), hidden


def test_a_background_export_leaves_out_the_columns_the_role_may_not_see(personas, monkeypatch):
    monkeypatch.setitem(
        exportable._LISTS, "people", exportable.ExportableList("people", people_rows, "sales.view_order")
    )
    sheets = {}
    for username in ("rep1", "manager1"):
        export = export_create(
            actor=personas[username], list_name="people", query="q=rep", fmt="xlsx", filename="p.xlsx"
        )
        export_build(export.pk)
        export.refresh_from_db()
        sheets[username] = _xlsx(export.file.read())

    assert sheets["rep1"] == [("Name",), ("rep1",), ("rep2",), ("rep3",)]
    assert sheets["manager1"][0] == ("Name", "Salary")


@pytest.mark.parametrize(
    ("list_url", "username"),
    [
        ("crm:customer_list", "manager1"),
        ("finance:invoice_list", "finance1"),
        ("finance:payment_list", "finance1"),
    ],
)
@pytest.mark.usefixtures("books")
def test_customers_invoices_and_payments_export_through_the_worker(client, settings, personas, list_url, username):
    client.force_login(personas[username])
    inline = client.get(reverse(list_url), {"export": "csv", "sort": "-pk"}).content
    assert len(_csv(inline)) > 2
    settings.EXPORT_INLINE_ROWS = 1

    export, content, _ = _download(client, client.get(reverse(list_url), {"export": "csv", "sort": "-pk"}))

    assert content == inline
    assert export.rows_done == len(_csv(inline)) - 1


def test_nobody_else_sees_or_downloads_an_export(client, settings, personas, orders):
    settings.EXPORT_INLINE_ROWS = 3
    client.force_login(personas["rep1"])
    response = client.get(reverse("sales:order_list"), {"export": "csv"})
    export = Export.objects.get()
    client.force_login(personas["rep2"])

    assert response.status_code == 302
    assert client.get(reverse("exports:status", args=[export.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    client.force_login(personas["rep1"])
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 200


def test_the_status_page_polls_until_the_file_is_ready_then_links_it(client, personas):
    rep = personas["rep1"]
    export = export_create(actor=rep, list_name="orders", query="", fmt="csv", filename="orders.csv")
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, rows_done=1000, rows_total=4000)
    client.force_login(rep)
    status_url = reverse("exports:status", args=[export.pk])

    page = client.get(status_url).content.decode()
    running = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.QUEUED, rows_done=0)
    export_build(export.pk)
    done = client.get(status_url, headers={"HX-Request": "true"}).content.decode()

    assert "Preparing your download" in page and 'hx-trigger="every 1s"' in page
    assert "<html" not in running and 'aria-valuenow="25"' in running and "1000 of about 4000 rows" in running
    assert "hx-trigger" not in done
    assert reverse("exports:download", args=[export.pk]) in done
    # Seen becoming ready, the file is fetched by the page (gendan.js); a page opened on a ready file only links it.
    assert f'data-download-when-ready="{reverse("exports:download", args=[export.pk])}"' in done
    assert "data-download-when-ready" not in client.get(status_url).content.decode()


def test_building_an_export_twice_writes_it_once(personas, orders):
    rep = personas["rep1"]
    export = export_create(actor=rep, list_name="orders", query="", fmt="csv", filename="o.csv")
    export_build(export.pk)
    export.refresh_from_db()
    finished_at = export.finished_at

    export_build(export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.finished_at == finished_at
    assert len(_csv(export.file.read())) == 11


def test_an_export_fails_when_its_user_has_left_meanwhile(personas, orders):
    rep = personas["rep1"]
    export = export_create(actor=rep, list_name="orders", query="", fmt="csv", filename="o.csv")
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    export_build(export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and not export.file


def test_expired_exports_are_deleted_with_their_files(personas, orders):
    rep = personas["rep1"]
    old, fresh = (export_create(actor=rep, list_name="orders", query="", fmt="csv", filename="o.csv") for _ in range(2))
    for export in (old, fresh):
        export_build(export.pk)
    old.refresh_from_db()
    path = old.file.path
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert exports_purge_expired() == 1

    assert list(Export.objects.all()) == [fresh]
    assert not os.path.exists(path)


def _peak_bytes_of_xlsx(rows: int, tmp_path) -> int:
    columns = [(f"C{n}", lambda row, n=n: row[n]) for n in range(6)]
    generated = (
        (f"SO-{i:08d}", "上海某某贸易有限公司", Decimal("1234.50"), i, datetime.date(2025, 1, 1), "x" * 20)
        for i in range(rows)
    )
    tracemalloc.start()
    try:
        with open(tmp_path / f"{rows}.xlsx", "wb") as out:
            write_xlsx(generated, columns, out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_xlsx_takes_no_more_memory_for_ten_times_the_rows(tmp_path):
    small = _peak_bytes_of_xlsx(300, tmp_path)
    large = _peak_bytes_of_xlsx(3_000, tmp_path)

    assert large < small * 2, (small, large)


def test_the_progress_is_written_every_chunk_while_the_rows_are_read(personas, orders, monkeypatch):
    progress = []
    update = QuerySet.update

    def recording_update(queryset, **fields):
        if queryset.model is Export and "rows_done" in fields:
            progress.append(fields["rows_done"])
        return update(queryset, **fields)

    monkeypatch.setattr(services_exports, "CHUNK_SIZE", 4)
    monkeypatch.setattr(QuerySet, "update", recording_update)
    export = export_create(
        actor=personas["manager1"],
        list_name="orders",
        query="",
        fmt="xlsx",
        filename="o.xlsx",
    )

    export_build(export.pk)

    export.refresh_from_db()
    assert progress == [4, 8, 12, 12]
    assert len(_xlsx(export.file.read())) == 13


def test_asking_again_while_the_first_is_still_waiting_gives_the_same_export(client, settings, personas, orders):
    settings.EXPORT_INLINE_ROWS = 3
    client.force_login(personas["rep1"])
    query = "export=csv"
    waiting = export_create(
        actor=personas["rep1"],
        list_name="orders",
        query=query,
        fmt="csv",
        filename="o.csv",
    )

    response = client.get(reverse("sales:order_list"), {"export": "csv"})

    assert response.url == reverse("exports:status", args=[waiting.pk])
    assert Export.objects.count() == 1
    assert Export.objects.get().status == ExportStatus.QUEUED


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_every_list_with_a_download_hands_large_ones_to_the_worker():
    tables_of_apps = [table for table in _subclasses(ListTable) if ".tests." not in table.__module__]
    downloadable = {table.export_name for table in tables_of_apps if table.export_name}

    assert downloadable and downloadable <= set(exportable._LISTS)


def test_the_deals_download_in_the_worker_keeps_the_lists_default(client, settings, personas):
    from gendan.crm.services_pipeline import opportunity_create, opportunity_move

    rep = personas["rep1"]
    customer, other = customer_ready_to_order(rep), customer_ready_to_order(rep)
    for name, stage, of in (
        ("伺服改造", "proposal", customer),
        ("备件采购", "lead", customer),
        ("旧项目", "lead", other),
    ):
        deal = opportunity_create(customer=of, actor=rep, name=name, stage=stage)
    opportunity_move(
        opportunity=opportunity_create(customer=customer, actor=rep, name="已丢单"),
        actor=rep,
        stage="lost",
        lost_reason="价格",
    )
    client.force_login(rep)
    url = reverse("crm:opportunity_list")
    # As the menu opens the list: its open deals.
    query = {"export": "csv"}
    inline = client.get(url, query).content
    settings.EXPORT_INLINE_ROWS = 1

    export, content, _ = _download(client, client.get(url, query))

    assert content == inline
    assert sorted(row[0] for row in _csv(content)[1:]) == sorted(["伺服改造", "备件采购", "旧项目"])
    assert export.list_name == "opportunities" and deal.name == "旧项目"

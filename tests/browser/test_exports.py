"""A download the worker prepares arrives by itself: the progress page fetches the file once it is ready."""

from pathlib import Path

import pytest
from django.urls import reverse

from gendan.core.models import Export
from gendan.core.services_exports import export_build, export_create
from tests.backbone import draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_file_downloads_by_itself_when_the_worker_has_written_it(live_server, new_page, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1, name="不锈钢阀门")
    order = draft_order(rep, products, ["2"])
    export = export_create(actor=rep, list_name="orders", query="", fmt="csv", filename="orders.csv")
    page = new_page(width=375, height=800, csp=True)
    log_in(page, live_server.url, "rep1", "pw-rep1")
    page.goto(live_server.url + reverse("exports:status", args=[export.pk]))
    page.wait_for_selector("[data-testid=export-progress][data-status=queued]")

    with page.expect_download() as arriving:
        export_build(export.pk)
    download = arriving.value

    assert download.suggested_filename == "orders.csv"
    assert order.number in Path(download.path()).read_text(encoding="utf-8-sig")
    # The page stays, saying the file is ready and linking it.
    page.wait_for_selector("[data-testid=export-download]")
    assert Export.objects.get(pk=export.pk).status == "done"

"""A small CSV through the import pages on a phone: upload, the dry run, the commit, done."""

import pytest
from django.urls import reverse

from gendan.crm.models import Customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_csv_goes_in_through_the_pages_to_done(live_server, new_page, personas, shot, tmp_path, settings):
    # given: a sheet as Excel saves it on a Chinese Windows
    settings.MEDIA_ROOT = tmp_path / "media"
    sheet = tmp_path / "客户.csv"
    sheet.write_bytes("客户名称,联系人,手机\n杭州恒远贸易有限公司,陈静,13700001111\n".encode("gb18030"))
    page = new_page(width=375, height=800, csp=True)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    # when: uploaded
    page.goto(live_server.url + reverse("imports:new"))
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(sheet))
    shot(page, "upload")
    page.click("[data-testid=upload]")

    # then: checked with no errors, committed, done
    page.wait_for_selector("[data-testid=commit-import]")
    shot(page, "checked")
    page.click("[data-testid=commit-import]")
    page.wait_for_selector("[data-testid=import-done]")
    shot(page, "done")
    assert Customer.objects.get().name == "杭州恒远贸易有限公司"
    # the list shows it done
    page.goto(live_server.url + reverse("imports:list"))
    assert page.locator("[data-testid=import-table] .badge").inner_text() == "已完成"

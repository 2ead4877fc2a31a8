"""Contract pages: entry with a file, the list with filters and export, a contract's page and its actions."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gendan.crm.models import Contract
from gendan.crm.services_contracts import contract_activate, contract_create
from tests.factories import customer_ready_to_order, small_pdf

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


def logged_in(client, user):
    client.force_login(user)
    return client


def active_contract(customer, actor, end, **fields):
    contract = contract_create(
        customer=customer,
        actor=actor,
        **{"title": "年度供货协议", "start_date": D(2025, 1, 1), "end_date": end, **fields},
    )
    return contract_activate(contract=contract, actor=actor)


def contract_post(**overrides):
    data = {
        "title": "设备维保合同",
        "start_date": "2025-03-01",
        "end_date": "2026-02-28",
        "amount": "86000",
        "signed_on": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_entering_a_contract_with_its_file_from_the_customer_page(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = logged_in(client, personas["rep1"])

    page = client.get(reverse("crm:customer_detail", args=[customer.pk]))
    form_page = client.get(reverse("crm:contract_create", args=[customer.pk]))
    response = client.post(
        reverse("crm:contract_create", args=[customer.pk]),
        contract_post(file=SimpleUploadedFile("维保合同.pdf", small_pdf(), content_type="application/pdf")),
    )

    assert reverse("crm:contract_create", args=[customer.pk]) in page.content.decode()
    assert form_page.context["form"].initial["end_date"] == D(2026, 3, 2)
    contract = Contract.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:contract_detail", args=[contract.pk])
    assert (contract.number, contract.amount, contract.owner, contract.file_name) == (
        "HT2025030001",
        Decimal("86000.00"),
        personas["rep1"],
        "维保合同.pdf",
    )
    download = client.get(reverse("crm:contract_file", args=[contract.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == small_pdf()
    assert "attachment" in download["Content-Disposition"]


def test_a_file_of_the_wrong_kind_is_refused_on_its_field(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:contract_create", args=[customer.pk]),
        contract_post(file=SimpleUploadedFile("run.sh", b"echo", content_type="text/plain")),
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["file"]
    assert not Contract.objects.exists()


def test_the_file_and_page_are_only_for_people_who_see_the_contract(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    contract = active_contract(
        customer,
        personas["rep1"],
        D(2025, 12, 31),
        file=SimpleUploadedFile("a.pdf", small_pdf(), content_type="application/pdf"),
    )

    rep2 = logged_in(client, personas["rep2"])
    assert rep2.get(reverse("crm:contract_file", args=[contract.pk])).status_code == 404
    assert rep2.get(reverse("crm:contract_detail", args=[contract.pk])).status_code == 404
    warehouse = logged_in(client, personas["warehouse1"])
    assert warehouse.get(reverse("crm:contract_detail", args=[contract.pk])).status_code == 403
    finance = logged_in(client, personas["finance1"])
    page = finance.get(reverse("crm:contract_detail", args=[contract.pk]))
    assert page.status_code == 200
    assert 'data-testid="terminate-form"' not in page.content.decode()  # finance reads, does not change


def test_the_list_filters_contracts_ending_soon_and_flags_them(client, personas):
    customer = customer_ready_to_order(personas["rep1"], name="华东客户")
    soon = active_contract(customer, personas["rep1"], D(2025, 3, 20), title="即将到期")
    active_contract(customer, personas["rep1"], D(2025, 12, 31), title="长期")
    active_contract(customer_ready_to_order(personas["rep3"]), personas["rep3"], D(2025, 3, 20), title="别人的")
    client = logged_in(client, personas["rep1"])

    everything = client.get(reverse("crm:contract_list"))
    ending = client.get(reverse("crm:contract_list"), {"ends_within": "30"})

    assert [c.title for c in everything.context["page_obj"]] == ["即将到期", "长期"]
    assert [c.pk for c in ending.context["page_obj"]] == [soon.pk]
    assert "text-danger" in ending.content.decode()


def test_the_export_has_exactly_the_filtered_rows(client, personas):
    customer = customer_ready_to_order(personas["rep1"], name="华东客户")
    active_contract(customer, personas["rep1"], D(2025, 3, 20), title="即将到期")
    active_contract(customer, personas["rep1"], D(2025, 12, 31), title="长期")

    response = logged_in(client, personas["rep1"]).get(
        reverse("crm:contract_list"), {"ends_within": "30", "export": "csv"}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Number", "Title", "Customer", "Status"]
    assert [r[1] for r in rows[1:]] == ["即将到期"]


@pytest.mark.parametrize("count", [1, 10])
def test_the_list_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    customer = customer_ready_to_order(personas["rep1"])
    for index in range(count):
        active_contract(customer, personas["rep1"], D(2025, 12, 31), title=f"合同{index}")
    client = logged_in(client, personas["manager1"])

    # session, user, 2 for the permission check, the manager's department and 2 levels of sub-teams,
    # count, page rows (with customer and owner); owners are looked up as people type
    with django_assert_num_queries(9):
        response = client.get(reverse("crm:contract_list"))

    assert len(response.context["page_obj"]) == count


def test_the_contract_page_activates_and_terminates(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    contract = contract_create(
        customer=customer, actor=personas["rep1"], title="草稿", start_date=D(2025, 3, 1), end_date=D(2025, 4, 30)
    )
    client = logged_in(client, personas["rep1"])

    page = client.get(reverse("crm:contract_detail", args=[contract.pk])).content.decode()
    activated = client.post(reverse("crm:contract_activate", args=[contract.pk]), {"activate-signed_on": "2025-03-02"})
    expiring = client.get(reverse("crm:contract_detail", args=[contract.pk])).content.decode()
    refused = client.post(reverse("crm:contract_terminate", args=[contract.pk]), {"terminate-reason": ""})
    terminated = client.post(reverse("crm:contract_terminate", args=[contract.pk]), {"terminate-reason": "客户取消"})

    assert 'data-testid="activate-form"' in page
    assert activated.status_code == 302
    assert 'data-testid="expiring"' in expiring and "Expires in 58 days" in expiring
    assert refused.status_code == 400 and refused.context["terminate_form"].errors == {
        "reason": ["This field is required."]
    }
    assert terminated.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.signed_on, contract.termination_reason) == (
        "terminated",
        D(2025, 3, 2),
        "客户取消",
    )


def test_a_stale_edit_is_refused_with_a_reload_link(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    contract = active_contract(customer, personas["rep1"], D(2025, 12, 31))
    client = logged_in(client, personas["rep1"])
    url = reverse("crm:contract_edit", args=[contract.pk])
    client.post(url, contract_post(version="2", end_date="2026-01-31"))

    response = client.post(url, contract_post(version="2", end_date="2026-06-30"))

    assert 'data-testid="stale-error"' in response.content.decode()
    assert Contract.objects.get().end_date == D(2026, 1, 31)


def test_the_contract_page_takes_a_fixed_number_of_queries(client, personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    contract = active_contract(customer, personas["rep1"], D(2025, 12, 31))
    client = logged_in(client, personas["rep1"])

    # session, user, 2 for the permission check, contract (with customer and owner), events
    with django_assert_num_queries(6):
        assert client.get(reverse("crm:contract_detail", args=[contract.pk])).status_code == 200

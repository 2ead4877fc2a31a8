"""Lead and opportunity pages: lists, a lead's actions, the kanban and moving deals on it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from gendan.crm.models import Customer, Lead, Opportunity
from gendan.crm.services_pipeline import lead_create, opportunity_create, opportunity_move
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


def logged_in(client, user):
    client.force_login(user)
    return client


def new_lead(owner, company="昆山鑫源电子科技有限公司"):
    return lead_create(actor=owner, company=company, contact_name="孙经理", phone="13600001111")


# --- leads -------------------------------------------------------------------------------------


def test_entering_a_lead(client, personas):
    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:lead_create"),
        {"company": "太仓永泰机电设备有限公司", "contact_name": "李工", "phone": "13500002222", "source": "展会"},
    )

    lead = Lead.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:lead_detail", args=[lead.pk])
    assert (lead.owner, lead.status, lead.source) == (personas["rep1"], "new", "展会")


def test_a_lead_without_a_way_to_reach_it_is_refused_on_its_field(client, personas):
    response = logged_in(client, personas["rep1"]).post(reverse("crm:lead_create"), {"company": "某公司"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "phone": ["Give a phone number or an e-mail address, so someone can contact them."]
    }
    assert not Lead.objects.exists()


def test_the_lead_list_shows_open_leads_of_the_scope(client, personas):
    mine = new_lead(personas["rep1"])
    new_lead(personas["rep2"], "同事的线索")
    closed = new_lead(personas["rep1"], "已判无效")
    from gendan.crm.services_pipeline import lead_disqualify

    lead_disqualify(lead=closed, actor=personas["rep1"], reason="空号")
    client = logged_in(client, personas["rep1"])

    default = client.get(reverse("crm:lead_list"))
    everything = client.get(reverse("crm:lead_list"), {"status": ""})

    assert [lead.pk for lead in default.context["page_obj"]] == [mine.pk]
    assert {lead.pk for lead in everything.context["page_obj"]} == {mine.pk, closed.pk}
    # Sorting the list the menu opened keeps it to the open leads (a sort link chooses no filter).
    sorted_default = client.get(reverse("crm:lead_list"), {"sort": "-company"})
    assert [lead.pk for lead in sorted_default.context["page_obj"]] == [mine.pk]


@pytest.mark.parametrize("count", [1, 10])
def test_the_lead_list_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    for index in range(count):
        new_lead(personas["rep1"], f"线索{index}")
    client = logged_in(client, personas["manager1"])

    # session, user, 2 for the permission check, the manager's department and 2 levels of sub-teams,
    # count, page rows (with owner and customer); owners are looked up as people type
    with django_assert_num_queries(9):
        response = client.get(reverse("crm:lead_list"))

    assert len(response.context["page_obj"]) == count


def test_contacting_and_converting_a_lead_from_its_page(client, personas):
    lead = new_lead(personas["rep1"])
    client = logged_in(client, personas["rep1"])

    contacted = client.post(reverse("crm:lead_contact", args=[lead.pk]), {"contact-note": "电话沟通，约下周拜访"})
    converted = client.post(
        reverse("crm:lead_convert", args=[lead.pk]),
        {"convert-customer": "", "convert-opportunity_name": "产线升级", "convert-opportunity_amount": "90000"},
    )

    customer = Customer.objects.get()
    assert contacted.status_code == 302
    assert converted.status_code == 302 and converted.url == reverse("crm:customer_detail", args=[customer.pk])
    lead.refresh_from_db()
    assert (lead.status, lead.customer) == ("converted", customer)
    assert Opportunity.objects.get().amount == Decimal("90000.00")
    page = client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    assert 'data-testid="lead-customer"' in page and 'data-testid="convert-form"' not in page


def test_disqualifying_without_a_reason_shows_the_error(client, personas):
    lead = new_lead(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:lead_disqualify", args=[lead.pk]), {"disqualify-reason": ""}
    )

    assert response.status_code == 400
    assert response.context["disqualify_form"].errors == {"reason": ["This field is required."]}
    assert Lead.objects.get().status == "new"


def test_a_lead_out_of_scope_is_not_found(client, personas):
    lead = new_lead(personas["rep1"])
    client = logged_in(client, personas["rep2"])

    assert client.get(reverse("crm:lead_detail", args=[lead.pk])).status_code == 404
    assert client.post(reverse("crm:lead_contact", args=[lead.pk]), {"contact-note": "x"}).status_code == 404
    assert logged_in(client, personas["warehouse1"]).get(reverse("crm:lead_list")).status_code == 403


# --- opportunities -----------------------------------------------------------------------------


@pytest.fixture
def deals(personas):
    customer = customer_ready_to_order(personas["rep1"], name="常州天成精密机械有限公司")

    def deal(name, amount, stage="lead", **fields):
        opportunity = opportunity_create(customer=customer, actor=personas["rep1"], name=name, amount=Decimal(amount))
        if stage != "lead":
            opportunity = opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage=stage, **fields)
        return opportunity

    return {
        "a": deal("伺服改造", "200000"),
        "b": deal("备件年度采购", "80000", "proposal"),
        "c": deal("检测设备", "50000", "lost", lost_reason="选择了竞品"),
        "d": deal("输送线", "120000", "won"),
    }


def test_the_board_shows_each_stage_with_its_deals_and_totals(client, personas, deals):
    response = logged_in(client, personas["rep1"]).get(reverse("crm:opportunity_board"))

    columns = {column.stage: column for column in response.context["columns"]}
    assert list(columns) == ["lead", "first_visit", "proposal", "quote", "negotiation", "won", "lost"]
    assert {stage: [c.name for c in column.cards] for stage, column in columns.items() if column.cards} == {
        "lead": ["伺服改造"],
        "proposal": ["备件年度采购"],
        "won": ["输送线"],
        "lost": ["检测设备"],
    }
    assert (columns["lead"].total, columns["lead"].weighted) == (Decimal("200000.00"), Decimal("20000"))
    assert (columns["proposal"].weighted, columns["won"].total) == (Decimal("32000"), Decimal("120000.00"))
    content = response.content.decode()
    assert "vendor/sortablejs/Sortable.min.js" in content and 'data-locked="true"' in content


def test_closed_deals_leave_the_board_after_30_days(client, personas, deals):
    with time_machine.travel(datetime.datetime(2025, 4, 3, 10, tzinfo=SHANGHAI), tick=False):
        response = logged_in(client, personas["rep1"]).get(reverse("crm:opportunity_board"))

    assert sum(len(column.cards) for column in response.context["columns"]) == 2


@pytest.mark.parametrize("count", [1, 10])
def test_the_board_query_count_does_not_grow_with_deals(client, personas, django_assert_num_queries, count):
    customer = customer_ready_to_order(personas["rep1"])
    for index in range(count):
        opportunity_create(customer=customer, actor=personas["rep1"], name=f"商机{index}")
    client = logged_in(client, personas["manager1"])

    # session, user, 2 for the permission check, the manager's department and 2 levels of sub-teams,
    # the deals (with customer and owner), the deals' custom fields (filters); owners are looked up as people type
    with django_assert_num_queries(9):
        response = client.get(reverse("crm:opportunity_board"))

    assert sum(len(column.cards) for column in response.context["columns"]) == count


def test_a_card_dropped_on_another_stage_moves_the_deal_and_redraws_the_board(client, personas, deals):
    deal = deals["a"]

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:opportunity_move", args=[deal.pk]), {"move-stage": "negotiation"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "crm/_board.html"
    columns = {column.stage: [c.pk for c in column.cards] for column in response.context["columns"]}
    assert columns["negotiation"] == [deal.pk] and columns["lead"] == []
    assert Opportunity.objects.get(pk=deal.pk).stage == "negotiation"


def test_a_refused_drop_shows_why_on_the_redrawn_board(client, personas, deals):
    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:opportunity_move", args=[deals["d"].pk]), {"move-stage": "quote"}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert 'data-testid="move-error"' in content and "cannot move to Quote" in content
    assert Opportunity.objects.get(pk=deals["d"].pk).stage == "won"


def test_moving_from_the_deal_page_to_lost_needs_a_reason(client, personas, deals):
    client = logged_in(client, personas["rep1"])
    url = reverse("crm:opportunity_move", args=[deals["b"].pk])

    refused = client.post(url, {"move-stage": "lost", "move-lost_reason": ""})
    moved = client.post(url, {"move-stage": "lost", "move-lost_reason": "客户预算冻结"})

    assert refused.status_code == 400
    assert refused.context["move_form"].errors == {"lost_reason": ["Say why the deal was lost."]}
    assert moved.status_code == 302
    assert Opportunity.objects.get(pk=deals["b"].pk).lost_reason == "客户预算冻结"


def test_opening_a_deal_from_the_customer_page(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = logged_in(client, personas["rep1"])

    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    response = client.post(
        reverse("crm:opportunity_create", args=[customer.pk]),
        {"name": "车间改造", "amount": "300000", "stage": "first_visit", "probability": "", "expected_close_on": ""},
    )

    assert reverse("crm:opportunity_create", args=[customer.pk]) in page
    deal = Opportunity.objects.get()
    assert response.url == reverse("crm:opportunity_detail", args=[deal.pk])
    assert (deal.stage, deal.probability, deal.owner) == ("first_visit", 20, personas["rep1"])


def test_the_opportunity_list_filters_and_exports(client, personas, deals):
    client = logged_in(client, personas["rep1"])

    open_deals = client.get(reverse("crm:opportunity_list"))
    lost = client.get(reverse("crm:opportunity_list"), {"stage": "lost", "export": "csv"})
    # The download link of the list as the menu opens it: the same open deals as on the page.
    open_download = client.get(reverse("crm:opportunity_list"), {"export": "csv"}).content.decode("utf-8-sig")

    assert {d.name for d in open_deals.context["page_obj"]} == {"伺服改造", "备件年度采购"}
    assert "伺服改造" in open_download and "检测设备" not in open_download
    rows = lost.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and "检测设备" in rows[1] and "选择了竞品" in rows[1]


def test_a_deal_out_of_scope_is_not_found(client, personas, deals):
    client = logged_in(client, personas["rep2"])

    assert client.get(reverse("crm:opportunity_detail", args=[deals["a"].pk])).status_code == 404
    assert client.post(reverse("crm:opportunity_move", args=[deals["a"].pk]), {"move-stage": "won"}).status_code == 404
    assert Opportunity.objects.get(pk=deals["a"].pk).stage == "lead"

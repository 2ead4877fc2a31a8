"""Quotation pages: the list with its filters, entry with the line editor, the page and its actions, the PDF,
comparing versions, the panel on the customer page — scoped, and with a fixed number of queries."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gendan.sales.models import Order, Quotation, QuotationStatus
from gendan.sales.services_quotations import quotation_revise, quotation_send, quotation_update
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

from .quotation_helpers import draft_quotation, quotation_at, quotation_state

pytestmark = pytest.mark.django_db
S = QuotationStatus


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English source strings, whatever catalogue is compiled."""
    settings.LANGUAGE_CODE = "en"


def logged_in(client, user):
    client.force_login(user)
    return client


def shown_actions(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def queries_of_get(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def editor_post(customer, rows, **header):
    """The quotation form as the browser posts it: header fields and one `line` key per row."""
    data = {
        "customer": customer.pk,
        "contact": customer.contacts.first().pk,
        "valid_until": (timezone.localdate() + datetime.timedelta(days=15)).isoformat(),
        "tax_rate": "13",
        "terms": "",
        "notes": "",
        "warehouse": "",
        "line": [],
    }
    data.update(header)
    for key, row in rows.items():
        data["line"].append(key)
        for name, value in row.items():
            data[f"lines-{key}-{name}"] = value
    return data


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["quotations:list", "quotations:create", "quotations:detail", "quotations:pdf", "quotations:edit"]
)
def test_anonymous_is_sent_to_log_in(client, personas, name):
    quotation = draft_quotation(personas["rep1"])
    url = reverse(name, args=[quotation.pk]) if name not in ("quotations:list", "quotations:create") else reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", ["quotations:detail", "quotations:pdf", "quotations:edit"])
def test_a_quotation_outside_the_users_scope_is_not_found(client, personas, name):
    quotation = draft_quotation(personas["rep1"])

    response = logged_in(client, personas["rep2"]).get(reverse(name, args=[quotation.pk]))

    assert response.status_code == 404


def test_an_action_on_a_quotation_out_of_scope_is_not_found_and_changes_nothing(client, personas):
    quotation = draft_quotation(personas["rep1"])
    before = quotation_state(quotation)

    response = logged_in(client, personas["rep3"]).post(reverse("quotations:action", args=[quotation.pk, "send"]))

    assert response.status_code == 404
    assert quotation_state(quotation) == before


@pytest.mark.parametrize("role", ["warehouse1", "follower1", "boss1"])
def test_people_who_do_not_sell_cannot_open_the_quotation_form(client, personas, role):
    quotation = draft_quotation(personas["rep1"])
    client = logged_in(client, personas[role])

    assert client.get(reverse("quotations:create")).status_code == 403
    assert client.get(reverse("quotations:edit", args=[quotation.pk])).status_code == 403


def test_others_read_quotations_within_their_scope(client, personas):
    mine = draft_quotation(personas["rep1"])
    north = draft_quotation(personas["rep3"])

    follower = logged_in(client, personas["follower1"])  # East team
    listed = follower.get(reverse("quotations:list")).context["page_obj"].object_list

    assert [q.pk for q in listed] == [mine.pk]
    assert follower.get(reverse("quotations:detail", args=[north.pk])).status_code == 404
    assert shown_actions(follower.get(reverse("quotations:detail", args=[mine.pk]))) == []


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_the_live_version_of_each_quotation_and_filters(client, personas):
    # given: rep1's quotations for two customers, one revised; a manager looks
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    hangzhou = customer_ready_to_order(rep, name="杭州恒远机械有限公司")
    ningbo = customer_ready_to_order(rep, name="宁波港城贸易有限公司")
    sent = quotation_send(quotation=draft_quotation(rep, products, customer=hangzhou), actor=rep)
    revised = quotation_revise(quotation=sent, actor=rep)
    draft = draft_quotation(rep, products, customer=ningbo)
    theirs = draft_quotation(personas["rep3"], products)
    client = logged_in(client, personas["manager1"])
    url = reverse("quotations:list")

    def listed(**params):
        return [q.pk for q in client.get(url, params).context["page_obj"].object_list]

    # then
    assert listed() == [theirs.pk, draft.pk, revised.pk]
    assert listed(status="draft", customer=hangzhou.pk) == [revised.pk]
    assert listed(owner=personas["rep3"].pk) == [theirs.pk]
    assert listed(q="宁波") == [draft.pk]
    assert listed(status="sent") == []


def test_the_list_runs_the_same_queries_for_one_quotation_or_five(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    draft_quotation(rep, products, customer=customer)
    client = logged_in(client, rep)
    url = reverse("quotations:list")
    client.get(url)  # warm the session and content-type caches

    with_one = queries_of_get(client, url)
    for _ in range(4):
        draft_quotation(rep, products, customer=customer)
    with_five = queries_of_get(client, url)

    # session, user, the user's permissions (user's and groups'), count, page: no customer or owner choices
    assert with_one == with_five == 6


# --- entry ---------------------------------------------------------------------------------------


def test_creating_a_quotation_saves_header_and_lines(client, personas):
    rep = personas["rep1"]
    _warehouse, (product,) = stocked_products(1)
    customer = customer_ready_to_order(rep, name="无锡华光电气有限公司")

    response = logged_in(client, rep).post(
        reverse("quotations:create"),
        editor_post(
            customer,
            {"a1": {"product": product.pk, "quantity": "3", "unit_price": "70", "discount_percent": ""}},
            terms="含税价，款到发货",
        ),
    )

    quotation = Quotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quotations:detail", args=[quotation.pk])
    assert (quotation.customer, quotation.contact, quotation.terms, quotation.total, quotation.below_floor) == (
        customer,
        customer.contacts.first(),
        "含税价，款到发货",
        Decimal("237.30"),
        True,
    )
    assert messages_of(response) == [f"Quotation {quotation.number} created."]


def test_the_new_quotation_form_takes_the_customer_from_the_url(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).get(reverse("quotations:create"), {"customer": customer.pk})

    form = response.context["form"]
    assert (form["customer"].value(), form["contact"].value()) == (customer.pk, customer.contacts.first().pk)
    assert 'id="order-form"' in response.content.decode()  # the order entry's line editor works on it


def test_bad_lines_show_errors_on_their_row_and_write_nothing(client, personas):
    rep = personas["rep1"]
    _warehouse, (product,) = stocked_products(1)
    customer = customer_ready_to_order(rep)

    response = logged_in(client, rep).post(
        reverse("quotations:create"),
        editor_post(
            customer, {"a1": {"product": product.pk, "quantity": "0", "unit_price": "", "discount_percent": ""}}
        ),
    )

    assert response.status_code == 200
    assert response.context["editor"].rows[0].form.errors == {"quantity": ["Enter a quantity above zero."]}
    assert not Quotation.objects.exists()


def test_a_customer_outside_the_users_scope_is_refused(client, personas):
    _warehouse, (product,) = stocked_products(1)
    theirs = customer_ready_to_order(personas["rep2"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("quotations:create"),
        editor_post(theirs, {"a1": {"product": product.pk, "quantity": "1"}}, contact=""),
    )

    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert not Quotation.objects.exists()


def test_editing_a_draft_replaces_its_lines(client, personas):
    rep = personas["rep1"]
    quotation = draft_quotation(rep)
    _warehouse, (other,) = stocked_products(1)

    response = logged_in(client, rep).post(
        reverse("quotations:edit", args=[quotation.pk]),
        editor_post(quotation.customer, {"b2": {"product": other.pk, "quantity": "5"}}, version="1"),
    )

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.version, quotation.total) == (2, Decimal("565.00"))
    assert list(quotation.lines.values_list("product", flat=True)) == [other.pk]


def test_a_stale_edit_is_refused_and_changes_nothing(client, personas):
    rep = personas["rep1"]
    quotation = draft_quotation(rep)
    quotation_update(quotation=quotation, actor=rep, terms="先改了")
    before = quotation_state(quotation)

    response = logged_in(client, rep).post(
        reverse("quotations:edit", args=[quotation.pk]),
        editor_post(
            quotation.customer, {"b2": {"product": quotation.lines.get().product_id, "quantity": "5"}}, version="1"
        ),
    )

    assert response.status_code == 200
    assert "changed by someone else" in response.context["form"].non_field_errors()[0]
    assert quotation_state(quotation) == before


def test_a_sent_quotation_is_not_edited_but_revised(client, personas):
    quotation = quotation_at(S.SENT, personas)

    response = logged_in(client, personas["rep1"]).get(reverse("quotations:edit", args=[quotation.pk]))

    assert response.status_code == 302
    assert messages_of(response) == ["Only a draft can be edited; this quotation is Sent."]


def test_the_contact_field_follows_the_chosen_customer(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).get(reverse("quotations:editor_customer"), {"customer": customer.pk})

    assert response.status_code == 200
    assert response.context["form"]["contact"].value() == customer.contacts.first().pk
    assert f'value="{customer.contacts.first().pk}" selected' in response.content.decode()


# --- the page and its actions --------------------------------------------------------------------


def test_the_page_shows_the_quotation_its_flags_and_its_story(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(2)
    quotation = draft_quotation(rep, products)
    quotation = quotation_update(
        quotation=quotation,
        actor=rep,
        lines=[
            {"product": products[0], "quantity": "2", "unit_price": "50"},
            {"product": products[1], "quantity": "1"},
        ],
    )

    body = logged_in(client, rep).get(reverse("quotations:detail", args=[quotation.pk])).content.decode()

    assert body.count('data-testid="quotation-line"') == 2
    assert body.count('data-testid="line-below-floor"') == 1
    assert 'data-testid="below-floor"' in body
    assert "created the quotation" in body and "edited the quotation" in body  # the timeline


@pytest.mark.parametrize(
    ("status", "username", "expected"),
    [
        (S.DRAFT, "rep1", ["send"]),
        (S.SENT, "rep1", ["revise", "accept", "reject"]),
        (S.SENT, "manager1", ["revise", "accept", "reject"]),
        (S.SENT, "boss1", []),
        (S.REJECTED, "rep1", ["revise"]),
        (S.EXPIRED, "rep1", ["revise"]),
        (S.ACCEPTED, "rep1", []),
        (S.SUPERSEDED, "rep1", []),
    ],
)
def test_the_action_buttons_are_the_allowed_actions(client, personas, status, username, expected):
    quotation = quotation_at(status, personas)

    response = logged_in(client, personas[username]).get(reverse("quotations:detail", args=[quotation.pk]))

    assert shown_actions(response) == expected


def test_the_page_runs_the_same_queries_for_one_line_or_five(client, personas):
    # given: two revised quotations (so the page compares with the previous version), one line or five
    rep = personas["rep1"]
    _warehouse, products = stocked_products(5)
    one = quotation_revise(quotation=quotation_send(quotation=draft_quotation(rep, products[:1]), actor=rep), actor=rep)
    five = quotation_revise(quotation=quotation_send(quotation=draft_quotation(rep, products), actor=rep), actor=rep)
    client = logged_in(client, rep)
    client.get(reverse("quotations:detail", args=[one.pk]))

    with_one = queries_of_get(client, reverse("quotations:detail", args=[one.pk]))
    with_five = queries_of_get(client, reverse("quotations:detail", args=[five.pk]))

    # session, user, the user's permissions (user's and groups'), quotation, lines, versions,
    # previous version, its lines, timeline
    assert with_one == with_five == 10


def test_sending_then_accepting_makes_a_draft_order_and_opens_it(client, personas):
    quotation = draft_quotation(personas["rep1"])
    client = logged_in(client, personas["rep1"])

    sent = client.post(reverse("quotations:action", args=[quotation.pk, "send"]))
    accepted = client.post(reverse("quotations:action", args=[quotation.pk, "accept"]))

    order = Order.objects.get()
    quotation.refresh_from_db()
    assert messages_of(sent) == ["Quotation marked as sent."]
    assert accepted["Location"] == reverse("sales:order_detail", args=[order.pk])
    assert (quotation.status, quotation.order) == (S.ACCEPTED, order)
    # the order page names the quotation it came from
    body = client.get(accepted["Location"]).content.decode()
    assert 'data-testid="order-quotation"' in body
    assert reverse("quotations:detail", args=[quotation.pk]) in body


def test_revising_opens_the_new_version_to_edit(client, personas):
    quotation = quotation_at(S.SENT, personas)

    response = logged_in(client, personas["rep1"]).post(reverse("quotations:action", args=[quotation.pk, "revise"]))

    new = Quotation.objects.get(number=quotation.number, revision=2)
    assert response["Location"] == reverse("quotations:edit", args=[new.pk])


def test_rejecting_needs_a_reason(client, personas):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)
    client = logged_in(client, personas["rep1"])

    refused = client.post(reverse("quotations:action", args=[quotation.pk, "reject"]), {"reason": " "})
    assert messages_of(refused) == ["Give a reason."]
    assert quotation_state(quotation) == before

    client.post(reverse("quotations:action", args=[quotation.pk, "reject"]), {"reason": "预算不够"})
    quotation.refresh_from_db()
    assert (quotation.status, quotation.reject_reason) == (S.REJECTED, "预算不够")


def test_accepting_an_expired_quotation_is_refused_with_a_message(client, personas):
    quotation = quotation_at(S.EXPIRED, personas)
    before = quotation_state(quotation)

    response = logged_in(client, personas["rep1"]).post(reverse("quotations:action", args=[quotation.pk, "accept"]))

    assert response["Location"] == reverse("quotations:detail", args=[quotation.pk])
    assert messages_of(response) == [
        f"This quotation was valid until {quotation.valid_until.isoformat()}. "
        "Revise it to make the customer a new offer."
    ]
    assert quotation_state(quotation) == before


def test_an_unknown_action_is_not_found(client, personas):
    quotation = quotation_at(S.SENT, personas)

    response = logged_in(client, personas["rep1"]).post(reverse("quotations:action", args=[quotation.pk, "delete"]))

    assert response.status_code == 404


def test_an_old_version_points_to_the_current_one_and_compares_with_it(client, personas):
    rep = personas["rep1"]
    first = quotation_at(S.SENT, personas)
    second = quotation_revise(quotation=first, actor=rep)
    second = quotation_update(
        quotation=second, actor=rep, lines=[{"product": first.lines.get().product, "quantity": "7"}]
    )
    client = logged_in(client, rep)

    old_page = client.get(reverse("quotations:detail", args=[first.pk])).content.decode()
    new_page = client.get(reverse("quotations:detail", args=[second.pk])).content.decode()
    compared = client.get(reverse("quotations:compare", args=[first.pk, second.pk]))

    assert 'data-testid="superseded"' in old_page and reverse("quotations:detail", args=[second.pk]) in old_page
    assert "Changes from V1 to V2" in new_page
    assert new_page.count('data-testid="changed-line"') == 1
    assert compared.status_code == 200
    assert [line.kind for line in compared.context["comparison"].lines] == ["changed"]


def test_versions_of_two_different_quotations_are_not_compared(client, personas):
    one, other = draft_quotation(personas["rep1"]), draft_quotation(personas["rep1"])

    response = logged_in(client, personas["rep1"]).get(reverse("quotations:compare", args=[one.pk, other.pk]))

    assert response.status_code == 404


# --- the PDF -------------------------------------------------------------------------------------


def test_the_pdf_is_a_real_pdf_with_the_chinese_customer_name_and_the_number(client, personas, settings):
    # given: the page in Chinese, as a customer in China reads it
    settings.LANGUAGE_CODE = "zh-hans"
    rep = personas["rep1"]
    _warehouse, (product,) = stocked_products(1, name="不锈钢球阀 DN50")
    customer = customer_ready_to_order(rep, name="杭州恒远机械有限公司")
    quotation = draft_quotation(rep, [product], customer=customer, terms="款到发货")

    # when
    response = logged_in(client, rep).get(reverse("quotations:pdf", args=[quotation.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quotation.number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "杭州恒远机械有限公司" in text
    assert quotation.number in text
    assert "不锈钢球阀 DN50" in text
    assert "报价单" in text  # the title, in the reader's language
    assert "226.00" in text


# --- the panel on the customer page --------------------------------------------------------------


def test_the_customer_page_loads_the_quotations_panel(client, personas):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    quotation = draft_quotation(rep, customer=customer)
    draft_quotation(rep)  # another customer's
    client = logged_in(client, rep)

    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    panel = client.get(reverse("quotations:customer_panel", args=[customer.pk]))

    assert reverse("quotations:customer_panel", args=[customer.pk]) in page
    assert [q.pk for q in panel.context["quotations"]] == [quotation.pk]
    assert panel.context["count"] == 1
    assert f"{reverse('quotations:create')}?customer={customer.pk}" in panel.content.decode()


def test_the_panel_of_a_customer_out_of_scope_is_not_found(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep2"]).get(reverse("quotations:customer_panel", args=[customer.pk]))

    assert response.status_code == 404


def test_the_panel_runs_the_same_queries_for_one_quotation_or_seven(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    draft_quotation(rep, products, customer=customer)
    client = logged_in(client, rep)
    url = reverse("quotations:customer_panel", args=[customer.pk])
    client.get(url)

    with_one = queries_of_get(client, url)
    for _ in range(6):
        draft_quotation(rep, products, customer=customer)
    with_seven = queries_of_get(client, url)

    # session, user, customer, permissions (user's and groups'), five newest quotations; with more than five, a count
    assert (with_one, with_seven) == (6, 7)


def test_quoting_for_a_deal_takes_its_customer_and_the_deal(client, personas):
    from gendan.crm.services_pipeline import opportunity_create

    customer = customer_ready_to_order(personas["rep1"])
    deal = opportunity_create(customer=customer, actor=personas["rep1"], name="冷库改造", stage="proposal")

    by_deal = logged_in(client, personas["rep1"]).get(reverse("quotations:create"), {"opportunity": deal.pk})
    by_customer = client.get(reverse("quotations:create"), {"customer": customer.pk})

    for response in (by_deal, by_customer):  # the customer's only open deal is proposed either way
        form = response.context["form"]
        assert (form["customer"].value(), form["opportunity"].value()) == (customer.pk, deal.pk)
        assert list(form.fields["opportunity"].queryset) == [deal]

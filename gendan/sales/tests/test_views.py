import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gendan.sales.models import Order, OrderLine, OrderStatus
from gendan.sales.selectors import order_allowed_actions
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import ProductFactory, StockLevelFactory, WarehouseFactory, customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db


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


def editor_post(customer, warehouse, rows, **header):
    """The order form as the browser posts it: header fields and one `line` key per row."""
    data = {
        "customer": customer.pk,
        "contact": customer.contacts.first().pk,
        "shipping_address": customer.addresses.first().pk,
        "warehouse": warehouse.pk,
        "priority": "normal",
        "requested_date": "",
        "promised_date": "",
        "customer_reference": "PO-1",
        "tax_rate": "13",
        "notes": "",
        "line": [],
    }
    data.update(header)
    for key, row in rows.items():
        data["line"].append(key)
        for name, value in row.items():
            data[f"lines-{key}-{name}"] = value
    return data


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("sales:order_list"),
        reverse("sales:order_create"),
        reverse("sales:order_detail", args=[1]),
        reverse("sales:order_edit", args=[1]),
    ],
)
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_order_outside_the_users_scope_is_not_found(client, personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    client = logged_in(client, personas["rep3"])

    assert client.get(reverse("sales:order_detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("sales:order_edit", args=[order.pk])).status_code == 404
    response = client.post(reverse("sales:order_action", args=[order.pk, "submit"]))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_a_role_without_order_entry_rights_cannot_open_the_order_form(client, personas):
    response = logged_in(client, personas["warehouse1"]).get(reverse("sales:order_create"))

    assert response.status_code == 403


def test_the_line_editor_serves_whoever_may_write_quotations_and_no_one_else(client, personas):
    # given after-sales staff whom a group lets write quotations (not orders), and warehouse staff
    quoting = Group.objects.create(name="报价员")
    quoting.permissions.add(Permission.objects.get(codename="add_quotation"))
    clerk = personas["service1"]
    clerk.groups.add(quoting)
    assert not clerk.has_perm("sales.add_order")
    lookup = reverse("sales:editor_lookup")

    # then the quotation writer can look products up; warehouse staff cannot
    assert logged_in(client, clerk).get(lookup, {"key": "k1", "lines-k1-search": "x"}).status_code == 200
    assert logged_in(client, personas["warehouse1"]).get(lookup, {"key": "k1"}).status_code == 403


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_users_orders_only(client, personas):
    _warehouse, products = stocked_products(1)
    mine = draft_order(personas["rep1"], products)
    theirs = draft_order(personas["rep3"], products)

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_list"))

    assert response.status_code == 200
    assert [o.pk for o in response.context["page_obj"]] == [mine.pk]
    assert mine.number in response.content.decode()
    assert theirs.number not in response.content.decode()


def test_the_list_filters_by_status_and_searches_by_customer_name(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    acme = customer_ready_to_order(rep, name="甲公司")
    other = customer_ready_to_order(rep, name="乙公司")
    draft = draft_order(rep, products, customer=acme)
    confirmed = order_at(OrderStatus.CONFIRMED, personas)
    draft_order(rep, products, customer=other)

    client = logged_in(client, rep)
    by_status = client.get(reverse("sales:order_list"), {"status": "confirmed"})
    by_name = client.get(reverse("sales:order_list"), {"q": "甲公司"})

    assert [o.pk for o in by_status.context["page_obj"]] == [confirmed.pk]
    assert [o.pk for o in by_name.context["page_obj"]] == [draft.pk]


def test_the_list_sorts_by_total(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    small = draft_order(rep, products, ["1"])
    large = draft_order(rep, products, ["5"])

    client = logged_in(client, rep)
    ascending = client.get(reverse("sales:order_list"), {"sort": "total"})
    descending = client.get(reverse("sales:order_list"), {"sort": "-total"})

    assert [o.pk for o in ascending.context["page_obj"]] == [small.pk, large.pk]
    assert [o.pk for o in descending.context["page_obj"]] == [large.pk, small.pk]


def test_the_list_pages_by_25(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    for _ in range(27):
        draft_order(rep, products, customer=customer)

    client = logged_in(client, rep)
    first = client.get(reverse("sales:order_list"))
    second = client.get(reverse("sales:order_list"), {"page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 2


def test_export_holds_exactly_the_filtered_rows_of_every_page(client, personas):
    # given 27 confirmed orders of rep1 (two pages), a draft of rep1's and a confirmed order of rep3's
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1, on_hand="1000")
    customer = customer_ready_to_order(rep)
    from gendan.sales.services import order_submit

    confirmed = [order_submit(order=draft_order(rep, products, customer=customer), actor=rep) for _ in range(27)]
    draft_order(rep, products, customer=customer)
    order_submit(order=draft_order(personas["rep3"], products), actor=personas["rep3"])
    expected = sorted(o.number for o in confirmed)
    client = logged_in(client, rep)

    # when
    as_csv = client.get(reverse("sales:order_list"), {"status": "confirmed", "export": "csv"})
    as_xlsx = client.get(reverse("sales:order_list"), {"status": "confirmed", "export": "xlsx", "page": "2"})

    # then
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Number", "Customer", "Owner", "Status"]
    assert sorted(row[0] for row in rows[1:]) == expected
    assert {row[3] for row in rows[1:]} == {"Confirmed"}
    assert {Decimal(row[14]) for row in rows[1:]} == {Decimal("113.00")}
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Number"
    assert sorted(row[0] for row in values[1:]) == expected


def _queries_of_get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_queries_for_one_order_or_five(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    draft_order(rep, products, customer=customer)
    client = logged_in(client, rep)
    url = reverse("sales:order_list")
    client.get(url)  # warm the session and content-type caches

    with_one = _queries_of_get(client, url)
    for _ in range(4):
        draft_order(rep, products, customer=customer)
    with_five = _queries_of_get(client, url)

    # session, user, the user's permissions (user's and groups'), count, page, the saved views: no customer or
    # owner choices; the custom fields (filters)
    assert with_one == with_five == 8


def test_the_order_page_runs_the_same_queries_for_one_line_or_five(client, personas):
    # given two shipped, invoiced, paid orders: one with one line, one with five
    one = order_with_documents(personas, lines=1)
    five = order_with_documents(personas, lines=5)
    client = logged_in(client, personas["admin"])
    client.get(reverse("sales:order_detail", args=[one.pk]))

    # then
    with_one = _queries_of_get(client, reverse("sales:order_detail", args=[one.pk]))
    with_five = _queries_of_get(client, reverse("sales:order_detail", args=[five.pk]))

    # session, user, the user's permissions (user's and groups'), order, its contact, address, creator
    # and quotation, lines, quantities on pending shipments, invoices, shipments, shipment lines,
    # payment allocations, open tasks, the responsible people per stage, timeline, change requests, the links
    # sent to the customer, whether an invoice of the customer is long overdue (the order has goods left to
    # ship), whether its deposit is due unpaid (ditto), its instalment plan, the deposits paid for it (the person to
    # hand a stage over to is looked up as one types; revisions are read once a change is applied), custom fields
    assert with_one == with_five == 25


def order_with_documents(personas, lines):
    from django.utils import timezone

    from gendan.finance.services import invoice_create, invoice_issue, payment_record
    from gendan.fulfillment.services import shipment_create, shipment_ship
    from gendan.sales.services import order_submit

    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    _warehouse, products = stocked_products(lines, warehouse=None)
    order = order_submit(order=draft_order(rep, products, ["2"] * lines), actor=rep)
    first = order.lines.first()
    shipment = shipment_create(order=order, actor=clerk, lines=[{"order_line": first, "quantity": Decimal("1")}])
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    payment_record(
        actor=finance,
        customer=order.customer,
        amount=Decimal("10"),
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": Decimal("10")}],
    )
    return Order.objects.get(pk=order.pk)


# --- the order page and its actions ------------------------------------------------------------


def test_the_order_page_shows_the_order(client, personas):
    _warehouse, products = stocked_products(2)
    order = draft_order(personas["rep1"], products, ["2", "3"])

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_detail", args=[order.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert order.number in body
    assert order.customer.name in body
    assert body.count('data-testid="order-line"') == 2
    assert "565.00" in body  # 500 + 13% tax
    assert "created the order" in body  # the timeline
    assert [stage for stage, _label, state in response.context["progress"] if state == "current"] == ["draft"]


@pytest.mark.parametrize(
    ("status", "username", "expected"),
    [
        (OrderStatus.DRAFT, "rep1", ["submit", "cancel"]),
        (OrderStatus.DRAFT, "warehouse1", []),
        (OrderStatus.PENDING_APPROVAL, "rep1", ["cancel"]),
        (OrderStatus.PENDING_APPROVAL, "manager1", ["approve", "reject", "cancel"]),
        (OrderStatus.CONFIRMED, "rep1", ["hold", "cancel"]),
        (OrderStatus.CONFIRMED, "finance1", ["hold"]),
        (OrderStatus.ON_HOLD, "rep1", ["resume", "cancel"]),
        (OrderStatus.CLOSED, "admin", []),
    ],
)
def test_the_action_buttons_are_the_allowed_actions(client, personas, status, username, expected):
    order = order_at(status, personas)
    user = personas[username]

    response = logged_in(client, user).get(reverse("sales:order_detail", args=[order.pk]))

    assert shown_actions(response) == expected == order_allowed_actions(order=order, user=user)


def test_the_edit_button_shows_on_drafts_for_sellers_only(client, personas):
    order = order_at(OrderStatus.DRAFT, personas)
    confirmed = order_at(OrderStatus.CONFIRMED, personas)

    rep_draft = logged_in(client, personas["rep1"]).get(reverse("sales:order_detail", args=[order.pk]))
    rep_confirmed = client.get(reverse("sales:order_detail", args=[confirmed.pk]))
    clerk_draft = logged_in(client, personas["warehouse1"]).get(reverse("sales:order_detail", args=[order.pk]))

    assert 'data-testid="edit-order"' in rep_draft.content.decode()
    assert 'data-testid="edit-order"' not in rep_confirmed.content.decode()
    assert 'data-testid="edit-order"' not in clerk_draft.content.decode()


def test_the_approver_sees_why_approval_is_needed(client, personas):
    order = order_at(OrderStatus.PENDING_APPROVAL, personas)

    response = logged_in(client, personas["manager1"]).get(reverse("sales:order_detail", args=[order.pk]))

    sku = order.lines.get().product.sku
    assert response.context["approval"].reason_texts == [
        f"Line 1, {sku}: discount 15% is above the submitter's limit of 10%."
    ]
    assert "is above the submitter&#x27;s limit of 10%" in response.content.decode()


def test_submitting_confirms_and_reserves(client, personas):
    order = order_at(OrderStatus.DRAFT, personas)

    response = logged_in(client, personas["rep1"]).post(reverse("sales:order_action", args=[order.pk, "submit"]))

    assert response.status_code == 302
    assert response.url == reverse("sales:order_detail", args=[order.pk])
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.lines.get().reserved_quantity == Decimal("2")
    assert messages_of(response) == ["Order submitted."]


def test_submitting_without_enough_stock_names_the_product_and_what_is_available(client, personas):
    # given an order for 5 of a product with 3 in stock
    rep = personas["rep1"]
    warehouse, products = stocked_products(1, on_hand="3")
    order = draft_order(rep, products, ["5"])

    # when
    response = logged_in(client, rep).post(reverse("sales:order_action", args=[order.pk, "submit"]), follow=True)

    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert order.lines.get().reserved_quantity == 0
    assert messages_of(response) == [f"Not enough stock of {products[0]} in {warehouse}: 5 needed, 3 available."]
    assert "5 needed, 3 available" in response.content.decode()


def test_rejecting_needs_a_comment(client, personas):
    order = order_at(OrderStatus.PENDING_APPROVAL, personas)
    client = logged_in(client, personas["manager1"])

    refused = client.post(reverse("sales:order_action", args=[order.pk, "reject"]), {"comment": "  "}, follow=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert messages_of(refused) == ["Say why the order is rejected."]

    done = client.post(reverse("sales:order_action", args=[order.pk, "reject"]), {"comment": "价格太低"})
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert messages_of(done) == ["Order rejected and sent back to draft."]


def test_a_manager_approves_and_holds_and_resumes(client, personas):
    order = order_at(OrderStatus.PENDING_APPROVAL, personas)
    client = logged_in(client, personas["manager1"])

    client.post(reverse("sales:order_action", args=[order.pk, "approve"]), {"comment": "同意"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    client.post(reverse("sales:order_action", args=[order.pk, "hold"]), {"reason": "客户要求暂停"})
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "客户要求暂停")
    client.post(reverse("sales:order_action", args=[order.pk, "resume"]))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_an_action_the_state_forbids_is_refused_with_a_message(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)

    response = logged_in(client, personas["rep1"]).post(reverse("sales:order_action", args=[order.pk, "submit"]))

    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert messages_of(response) == ["Cannot submit an order that is Confirmed."]


def test_an_unknown_action_is_not_found(client, personas):
    order = order_at(OrderStatus.DRAFT, personas)

    response = logged_in(client, personas["rep1"]).post(reverse("sales:order_action", args=[order.pk, "ship"]))

    assert response.status_code == 404


# --- entry and editing -------------------------------------------------------------------------


def test_the_new_order_form_takes_the_customer_from_the_url(client, personas):
    rep = personas["rep1"]
    stocked_products(1)
    customer = customer_ready_to_order(rep)

    response = logged_in(client, rep).get(reverse("sales:order_create"), {"customer": customer.pk})

    form = response.context["form"]
    assert response.status_code == 200
    assert form["customer"].value() == customer.pk
    assert form["contact"].value() == customer.contacts.get().pk
    assert form["shipping_address"].value() == customer.addresses.get().pk
    assert len(response.context["editor"].rows) == 1


def test_the_customer_choices_are_the_users_customers(client, personas):
    mine = customer_ready_to_order(personas["rep1"])
    customer_ready_to_order(personas["rep3"])
    stocked_products(1)

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_create"))

    assert list(response.context["form"].fields["customer"].queryset) == [mine]


def test_creating_an_order_saves_header_and_lines(client, personas):
    # given
    rep = personas["rep1"]
    warehouse, products = stocked_products(2)
    customer = customer_ready_to_order(rep)
    data = editor_post(
        customer,
        warehouse,
        {
            "a1": {"product": products[0].pk, "quantity": "2", "unit_price": "90", "discount_percent": "5"},
            "b2": {"product": "", "quantity": "", "unit_price": "", "discount_percent": ""},  # left blank
            "c3": {"product": products[1].pk, "quantity": "1", "unit_price": "", "discount_percent": ""},
        },
        priority="high",
    )

    # when
    response = logged_in(client, rep).post(reverse("sales:order_create"), data)

    # then
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sales:order_detail", args=[order.pk])
    assert (order.customer, order.owner, order.priority, order.customer_reference) == (customer, rep, "high", "PO-1")
    lines = list(order.lines.order_by("position"))
    assert [(ln.product, ln.quantity, ln.unit_price, ln.discount_percent, ln.amount) for ln in lines] == [
        (products[0], Decimal("2"), Decimal("90.00"), Decimal("5"), Decimal("171.00")),
        (products[1], Decimal("1"), Decimal("100.00"), Decimal("0"), Decimal("100.00")),
    ]
    assert (order.subtotal, order.tax_amount, order.total) == (Decimal("271.00"), Decimal("35.23"), Decimal("306.23"))


def test_bad_lines_show_errors_on_their_row_and_write_nothing(client, personas):
    rep = personas["rep1"]
    warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    data = editor_post(
        customer,
        warehouse,
        {
            "a1": {"product": products[0].pk, "quantity": "1", "unit_price": "", "discount_percent": ""},
            "b2": {"product": products[0].pk, "quantity": "0", "unit_price": "", "discount_percent": "120"},
            "c3": {"product": "", "quantity": "4", "unit_price": "", "discount_percent": ""},
        },
    )

    response = logged_in(client, rep).post(reverse("sales:order_create"), data)

    assert response.status_code == 200
    rows = response.context["editor"].rows
    assert [row.key for row in rows] == ["a1", "b2", "c3"]
    assert rows[0].form.errors == {}
    assert rows[1].form.errors == {
        "quantity": ["Enter a quantity above zero."],
        "discount_percent": ["A discount is between 0 and 100%."],
    }
    assert rows[2].form.errors == {"product": ["Choose a product."]}
    assert "Enter a quantity above zero." in response.content.decode()
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def test_a_customer_outside_the_users_scope_is_refused(client, personas):
    warehouse, products = stocked_products(1)
    theirs = customer_ready_to_order(personas["rep3"])
    data = editor_post(theirs, warehouse, {"a1": {"product": products[0].pk, "quantity": "1"}})

    response = logged_in(client, personas["rep1"]).post(reverse("sales:order_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["customer"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Order.objects.count() == 0


def test_an_order_without_lines_is_refused(client, personas):
    rep = personas["rep1"]
    warehouse, _products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    data = editor_post(customer, warehouse, {"a1": {"product": "", "quantity": ""}})

    response = logged_in(client, rep).post(reverse("sales:order_create"), data)

    assert response.context["form"].non_field_errors() == ["Add at least one line."]
    assert Order.objects.count() == 0


def test_editing_a_draft_replaces_its_lines(client, personas):
    rep = personas["rep1"]
    warehouse, products = stocked_products(2)
    order = draft_order(rep, products[:1], ["1"])
    client = logged_in(client, rep)

    page = client.get(reverse("sales:order_edit", args=[order.pk]))
    assert page.status_code == 200
    assert [row.product for row in page.context["editor"].rows] == [products[0]]
    assert page.context["form"]["version"].value() == order.version

    data = editor_post(
        order.customer, warehouse, {"x": {"product": products[1].pk, "quantity": "3"}}, version=order.version
    )
    response = client.post(reverse("sales:order_edit", args=[order.pk]), data)

    assert response.status_code == 302
    order.refresh_from_db()
    assert [(ln.product, ln.quantity) for ln in order.lines.all()] == [(products[1], Decimal("3"))]
    assert order.total == Decimal("339.00")


def test_a_stale_edit_is_refused_and_changes_nothing(client, personas):
    rep = personas["rep1"]
    warehouse, products = stocked_products(1)
    order = draft_order(rep, products, ["1"])
    data = editor_post(
        order.customer, warehouse, {"x": {"product": products[0].pk, "quantity": "9"}}, version=order.version - 1 or 0
    )

    response = logged_in(client, rep).post(reverse("sales:order_edit", args=[order.pk]), data)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert order.lines.get().quantity == Decimal("1")


def test_a_confirmed_order_cannot_be_edited(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)

    response = logged_in(client, personas["rep1"]).get(reverse("sales:order_edit", args=[order.pk]))

    assert response.status_code == 302
    assert messages_of(response) == ["Only a draft can be edited; this order is Confirmed."]


# --- the line editor's fragments --------------------------------------------------------------


def test_the_totals_fragment_computes_lines_and_totals_as_the_services_do(client, personas):
    rep = personas["rep1"]
    warehouse, products = stocked_products(2, on_hand="40")
    customer = customer_ready_to_order(rep)
    data = editor_post(
        customer,
        warehouse,
        {
            "a1": {"product": products[0].pk, "quantity": "3", "unit_price": "33.33", "discount_percent": "7.5"},
            "b2": {"product": products[1].pk, "quantity": "2", "unit_price": "", "discount_percent": ""},
            "c3": {"product": "", "quantity": "1", "unit_price": "5", "discount_percent": ""},  # no product yet
        },
        tax_rate="9",
    )

    response = logged_in(client, rep).post(reverse("sales:editor_totals"), data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    # 3 × 33.33 × 92.5% = 92.49 (rounded half up); 2 × list price 100 = 200
    assert [row.amount for row in response.context["editor"].rows] == [Decimal("92.49"), Decimal("200.00"), None]
    assert (response.context["subtotal"], response.context["tax"], response.context["total"]) == (
        Decimal("292.49"),
        Decimal("26.32"),
        Decimal("318.81"),
    )
    body = response.content.decode()
    assert (
        '<span class="fw-semibold" id="line-amount-a1" data-testid="line-amount" hx-swap-oob="true">92.49</span>'
        in body
    )
    assert 'id="line-stock-b2"' in body and "40 pcs available" in body
    assert 'data-testid="total">318.81<' in body


def test_the_product_look_up_shows_stock_available_in_the_orders_warehouse(client, personas):
    # given a product with 10 on hand, 4 of them reserved, in the chosen warehouse; another only elsewhere
    warehouse, products = stocked_products(1, on_hand="6", sku="PUMP-1", name="离心泵")
    stocked_products(1, warehouse=WarehouseFactory(code="BJ"), sku="PUMP-2", name="计量泵")
    ProductFactory(sku="VALVE-1", name="球阀")
    from gendan.inventory.models import StockLevel

    StockLevel.objects.filter(product=products[0]).update(on_hand=10, reserved=4)
    client = logged_in(client, personas["rep1"])

    # when
    response = client.get(
        reverse("sales:editor_lookup"), {"key": "k1", "lines-k1-search": "pump", "warehouse": warehouse.pk}
    )

    # then: both pumps, with what is free in this warehouse (nothing of PUMP-2)
    assert [(p.sku, p.available) for p in response.context["products"]] == [("PUMP-1", 6), ("PUMP-2", 0)]
    assert "6 pcs available" in response.content.decode()


def test_picking_a_product_renders_its_row_with_the_list_price(client, personas):
    warehouse, products = stocked_products(1, on_hand="12")

    response = logged_in(client, personas["rep1"]).get(
        reverse("sales:editor_row"),
        {"key": "k1", "product": products[0].pk, "warehouse": warehouse.pk, "lines-k1-quantity": "4"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="line-k1"' in body
    assert f'name="lines-k1-product" value="{products[0].pk}"' in body
    assert 'name="lines-k1-quantity" value="4"' in body
    assert 'name="lines-k1-unit_price" value="100.00"' in body
    assert "12 pcs available" in body
    assert response["HX-Trigger-After-Settle"] == '{"recalc": {"target": "#order-form"}}'


def test_the_customer_fragment_offers_that_customers_contacts(client, personas):
    mine = customer_ready_to_order(personas["rep1"])
    theirs = customer_ready_to_order(personas["rep3"])
    client = logged_in(client, personas["rep1"])

    response = client.get(reverse("sales:editor_customer"), {"customer": mine.pk})
    outside = client.get(reverse("sales:editor_customer"), {"customer": theirs.pk})

    assert list(response.context["form"].fields["contact"].queryset) == list(mine.contacts.all())
    assert response.context["form"]["contact"].value() == mine.contacts.get().pk
    assert list(outside.context["form"].fields["contact"].queryset) == []


def test_a_stocked_product_is_needed_for_a_stock_figure(personas):
    """The look-up counts only the order's warehouse: stock elsewhere is not available to it."""
    from gendan.sales.selectors import products_for_order_entry

    warehouse, products = stocked_products(1, on_hand="7")
    elsewhere = StockLevelFactory(product=products[0], on_hand=Decimal("50")).warehouse

    here = products_for_order_entry(warehouse_id=warehouse.pk, ids=[products[0].pk]).get()
    there = products_for_order_entry(warehouse_id=elsewhere.pk, ids=[products[0].pk]).get()

    assert (here.available, there.available) == (Decimal("7"), Decimal("50"))

"""Acting on several orders at once from the order list: handing them to another owner, downloading them,
printing their confirmations as one PDF; and one order's confirmation.

Alice (rep1) and Bob (rep2) sell in East team, Carol (rep3) in North; Mia (manager1) heads the sales
department above both and may reassign orders, as may the administrator. A rep may not.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gendan.core.bounds import MAX_SELECTION
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.finance.models import Invoice, PaymentAllocation
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.models import Shipment
from gendan.sales.models import Order, OrderStatus
from gendan.sales.selectors import order_list
from gendan.sales.services import order_assign
from gendan.sales.services_bulk import orders_assign
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.stages import order_at

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pages_of(content: bytes) -> int:
    assert content.startswith(b"%PDF-")
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def products(personas):
    return stocked_products(2)[1]


def alices_orders(personas, products, count):
    return [draft_order(personas["rep1"], products) for _ in range(count)]


# --- handing an order to another owner ---------------------------------------------------------------


def test_a_manager_hands_an_order_to_another_rep_with_its_shipments_and_invoices(personas):
    # given: Alice's order, delivered, invoiced and partly paid
    order = order_at(OrderStatus.DELIVERED, personas)
    finance = personas["finance1"]
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    payment_record(
        actor=finance,
        customer=order.customer,
        amount=Decimal("10.00"),
        received_on=timezone.localdate(),
        allocations=[{"invoice": invoice, "amount": Decimal("10.00")}],
    )
    order.refresh_from_db()
    mia, bob = personas["manager1"], personas["rep2"]

    # when
    assigned = order_assign(order=order, actor=mia, owner=bob, reason="Alice is on leave")

    # then: Bob follows it, with what hangs off it; Alice no longer sees it
    assert Order.objects.get(pk=order.pk).owner == bob
    assert assigned.version == order.version + 1
    assert set(Shipment.objects.filter(order=order).values_list("owner", flat=True)) == {bob.pk}
    assert set(Invoice.objects.filter(order=order).values_list("owner", flat=True)) == {bob.pk}
    assert set(PaymentAllocation.objects.filter(invoice__order=order).values_list("owner", flat=True)) == {bob.pk}
    assert order_list(user=bob).filter(pk=order.pk).exists()
    assert not order_list(user=personas["rep1"]).filter(pk=order.pk).exists()
    event = Event.objects.get(verb="order.assigned", object_id=order.pk)
    assert event.actor == mia
    assert event.changes == {"owner": [personas["rep1"].pk, bob.pk]}
    assert event.data == {"owner": bob.pk, "by": "hand", "reason": "Alice is on leave"}


def test_a_closed_order_keeps_its_owner_and_so_do_its_documents(personas):
    order = order_at(OrderStatus.CLOSED, personas)

    with pytest.raises(ApplicationError) as refused:
        order_assign(order=order, actor=personas["admin"], owner=personas["rep2"])

    assert refused.value.code == ErrorCode.NOT_EDITABLE
    assert set(Invoice.objects.filter(order=order).values_list("owner", flat=True)) == {personas["rep1"].pk}


@pytest.mark.parametrize(
    ("owner", "field"),
    [("gone", "owner"), ("warehouse1", "owner"), (None, "owner")],
)
def test_someone_who_cannot_own_orders_is_refused_on_the_owner_field(personas, products, owner, field):
    order = alices_orders(personas, products, 1)[0]
    if owner == "gone":
        personas["rep2"].is_active = False
        personas["rep2"].save()
    person = personas["rep2"] if owner == "gone" else personas.get(owner)

    with pytest.raises(ValidationError) as refused:
        order_assign(order=order, actor=personas["manager1"], owner=person)

    assert list(refused.value.message_dict) == [field]
    assert Order.objects.get(pk=order.pk).owner == personas["rep1"]
    assert not Event.objects.filter(verb="order.assigned").exists()


def test_a_rep_may_not_reassign_even_their_own_order(personas, products):
    order = alices_orders(personas, products, 1)[0]

    with pytest.raises(ApplicationError) as refused:
        order_assign(order=order, actor=personas["rep1"], owner=personas["rep2"])

    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_nobody_hands_an_order_out_of_their_own_sight(personas, products):
    # given: the boss sits in no department, so out of the sales manager's
    order = alices_orders(personas, products, 1)[0]

    with pytest.raises(ApplicationError) as refused:
        order_assign(order=order, actor=personas["manager1"], owner=personas["boss1"])

    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert Order.objects.get(pk=order.pk).owner == personas["rep1"]


def test_handing_an_order_to_its_owner_changes_nothing(personas, products):
    order = alices_orders(personas, products, 1)[0]

    with pytest.raises(ApplicationError) as refused:
        order_assign(order=order, actor=personas["manager1"], owner=personas["rep1"])

    assert refused.value.code == ErrorCode.NO_CHANGE


# --- a selection -----------------------------------------------------------------------------------------


def test_a_selection_is_handed_over_order_by_order_and_the_refusals_are_told(personas, products):
    # given: two of Alice's open orders, a cancelled one, an order of Carol's the admin sees, and an id nobody has
    first, second = alices_orders(personas, products, 2)
    cancelled = order_at(OrderStatus.CANCELLED, personas)
    carols = draft_order(personas["rep3"], products)

    # when: the manager of both teams sees all of them but the missing one
    outcome = orders_assign(
        order_ids=[first.pk, str(second.pk), cancelled.pk, carols.pk, 999_999, first.pk],
        actor=personas["manager1"],
        owner=personas["rep2"],
    )

    # then
    assert outcome.done == [first.pk, second.pk, carols.pk]
    assert [(r.id, r.code) for r in outcome.refused] == [(cancelled.pk, "not_editable"), (999_999, "not_found")]
    assert set(Order.objects.filter(pk__in=outcome.done).values_list("owner", flat=True)) == {personas["rep2"].pk}


@pytest.mark.parametrize(
    ("ids", "owner", "fields"),
    [
        ([], "rep2", ["orders"]),
        (["x"], "rep2", ["orders"]),
        (list(range(1, MAX_SELECTION + 2)), "rep2", ["orders"]),
        ("ok", "warehouse1", ["owner"]),
        ([], "warehouse1", ["orders", "owner"]),
    ],
)
def test_a_bad_selection_or_owner_refuses_the_whole_and_changes_nothing(personas, products, ids, owner, fields):
    order = alices_orders(personas, products, 1)[0]
    ids = [order.pk] if ids == "ok" else ids

    with pytest.raises(ValidationError) as refused:
        orders_assign(order_ids=ids, actor=personas["manager1"], owner=personas[owner])

    assert sorted(refused.value.message_dict) == fields
    assert Order.objects.get(pk=order.pk).owner == personas["rep1"]


def test_too_many_orders_at_once_are_refused_with_a_clear_message(personas, english):
    with pytest.raises(ValidationError) as refused:
        orders_assign(order_ids=range(1, MAX_SELECTION + 2), actor=personas["manager1"], owner=personas["rep2"])

    assert refused.value.message_dict == {"orders": ["Select at most 200 at a time (201 are selected)."]}


def test_each_order_of_a_selection_costs_the_same_few_queries(personas, products, django_assert_max_num_queries):
    # given
    orders = alices_orders(personas, products, 9)
    mia, bob = personas["manager1"], personas["rep2"]
    orders_assign(order_ids=[orders[0].pk], actor=mia, owner=bob)  # content types and the like read once
    with django_assert_max_num_queries(40) as one:
        orders_assign(order_ids=[orders[1].pk], actor=mia, owner=bob)
    with django_assert_max_num_queries(80) as two:
        orders_assign(order_ids=[order.pk for order in orders[2:4]], actor=mia, owner=bob)
    per_order = len(two) - len(one)

    # then: five orders, five times the work of one
    with django_assert_max_num_queries(len(one) + per_order * 4):
        outcome = orders_assign(order_ids=[order.pk for order in orders[4:]], actor=mia, owner=bob)
    assert len(outcome.done) == 5


# --- the order list's action bar -------------------------------------------------------------------------


def test_the_list_has_a_box_per_order_and_offers_to_assign_only_to_who_may(client, personas, products):
    alices_orders(personas, products, 2)

    client.force_login(personas["rep1"])
    as_rep = client.get(reverse("sales:order_list")).content.decode()
    client.force_login(personas["manager1"])
    as_manager = client.get(reverse("sales:order_list")).content.decode()

    assert as_rep.count("data-select-row") == as_manager.count("data-select-row") == 2
    assert 'data-testid="export-selected"' in as_rep and 'data-testid="print-selected"' in as_rep
    assert 'data-testid="assign-selected"' not in as_rep
    assert 'data-testid="assign-selected"' in as_manager


def test_assigning_a_selection_from_the_list(client, personas, products, english):
    # given
    first, second = alices_orders(personas, products, 2)
    cancelled = order_at(OrderStatus.CANCELLED, personas)
    client.force_login(personas["manager1"])
    selection = {"id": [first.pk, second.pk, cancelled.pk], "back": "status=draft"}

    # when
    page = client.get(reverse("sales:order_selection_assign"), selection)
    done = client.post(
        reverse("sales:order_selection_assign"), {**selection, "owner": personas["rep2"].pk, "reason": "leave"}
    )

    # then
    assert page.status_code == 200
    assert [order.pk for order in page.context["orders"]] == [cancelled.pk, second.pk, first.pk]
    assert done.status_code == 302 and done.url == reverse("sales:order_list") + "?status=draft"
    assert messages_of(done) == [
        "2 orders assigned to rep2.",
        f"Not assigned: {cancelled.number}. This order is Cancelled: it keeps its owner.",
    ]
    assert Order.objects.get(pk=first.pk).owner == personas["rep2"]


def test_assigning_without_an_owner_says_so_on_the_field_and_changes_nothing(client, personas, products, english):
    order = alices_orders(personas, products, 1)[0]
    client.force_login(personas["manager1"])

    missing = client.post(reverse("sales:order_selection_assign"), {"id": order.pk, "owner": ""})
    warehouse = client.post(
        reverse("sales:order_selection_assign"), {"id": order.pk, "owner": personas["warehouse1"].pk}
    )

    assert missing.status_code == warehouse.status_code == 400
    assert missing.context["form"].errors == {"owner": ["Choose the new owner."]}
    assert warehouse.context["form"].errors == {"owner": ["warehouse1 does not sell, so cannot own orders."]}
    assert Order.objects.get(pk=order.pk).owner == personas["rep1"]


def test_a_rep_cannot_open_the_assignment_and_an_empty_selection_goes_back(client, personas, products, english):
    order = alices_orders(personas, products, 1)[0]

    client.force_login(personas["rep1"])
    as_rep = client.get(reverse("sales:order_selection_assign"), {"id": order.pk})
    client.force_login(personas["manager1"])
    empty = client.get(reverse("sales:order_selection_assign"), {"back": "q=x"})

    assert as_rep.status_code == 403
    assert empty.status_code == 302 and empty.url == reverse("sales:order_list") + "?q=x"
    assert messages_of(empty) == ["Selected orders: Select at least one."]


def test_the_assignment_page_names_only_orders_the_reader_sees(client, personas, products):
    # given: one of Alice's orders and an id the manager cannot see (there is no such order)
    order = alices_orders(personas, products, 1)[0]
    client.force_login(personas["manager1"])

    page = client.get(reverse("sales:order_selection_assign"), {"id": [order.pk, 999_999]})

    assert [o.pk for o in page.context["orders"]] == [order.pk]


# --- downloading a selection ------------------------------------------------------------------------------


def test_export_selected_downloads_exactly_the_ticked_orders(client, personas, products):
    # given: four orders of Alice's, two ticked, and one of Carol's the rep does not see, ticked by a forged URL
    orders = alices_orders(personas, products, 4)
    carols = draft_order(personas["rep3"], products)
    ticked = [orders[1], orders[3]]
    client.force_login(personas["rep1"])

    response = client.get(
        reverse("sales:order_selection_export"),
        {"id": [order.pk for order in ticked] + [carols.pk], "export": "xlsx", "back": "", "sort": "number"},
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert numbers == sorted(order.number for order in ticked)


def test_export_selected_without_a_selection_downloads_nothing(client, personas, products, english):
    alices_orders(personas, products, 2)
    client.force_login(personas["rep1"])

    nothing = client.get(reverse("sales:order_selection_export"), {"export": "xlsx", "back": "status=draft"})
    too_many = client.get(
        reverse("sales:order_selection_export"), {"export": "csv", "id": list(range(1, MAX_SELECTION + 2))}
    )

    assert nothing.status_code == too_many.status_code == 302
    assert nothing.url == reverse("sales:order_list") + "?status=draft"
    assert messages_of(too_many)[-1] == "Selected orders: Select at most 200 at a time (201 are selected)."


def test_a_large_selection_is_downloaded_by_the_worker_with_exactly_those_orders(client, personas, products, settings):
    # given: a selection past what a request writes itself
    settings.EXPORT_INLINE_ROWS = 2
    orders = alices_orders(personas, products, 4)
    ticked = orders[:3]
    client.force_login(personas["rep1"])

    started = client.get(
        reverse("sales:order_selection_export"), {"id": [order.pk for order in ticked], "export": "xlsx"}
    )
    status = client.get(started.url)
    download = client.get(reverse("exports:download", args=[status.context["export"].pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {order.number for order in ticked}


# --- the confirmations ---------------------------------------------------------------------------------------


def test_an_orders_confirmation_is_a_one_page_pdf_in_the_readers_language(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    client.force_login(personas["rep1"])

    response = client.get(reverse("sales:order_pdf", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{order.number}.pdf"' in response["Content-Disposition"]
    assert pages_of(response.content) == 1
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert order.number in text and "销售订单确认书" in text


def test_printing_a_selection_gives_one_pdf_with_a_page_per_order(client, personas, products):
    # given: three of Alice's orders ticked, and Carol's by a forged URL
    orders = alices_orders(personas, products, 3)
    carols = draft_order(personas["rep3"], products)
    client.force_login(personas["rep1"])

    response = client.get(reverse("sales:order_selection_pdf"), {"id": [o.pk for o in orders] + [carols.pk]})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pages_of(response.content) == 3
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert all(order.number in text for order in orders) and carols.number not in text


def test_printing_reads_the_same_few_queries_for_one_order_or_many(
    client, personas, products, django_assert_max_num_queries
):
    one = alices_orders(personas, products, 1)
    many = alices_orders(personas, products, 5)
    client.force_login(personas["rep1"])
    url = reverse("sales:order_selection_pdf")
    client.get(url, {"id": [o.pk for o in one]})
    with django_assert_max_num_queries(12) as few:
        client.get(url, {"id": [o.pk for o in one]})

    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"id": [o.pk for o in many]})

    assert pages_of(response.content) == 5


def test_someone_elses_order_has_no_confirmation_to_print(client, personas, products):
    carols = draft_order(personas["rep3"], products)
    client.force_login(personas["rep1"])

    single = client.get(reverse("sales:order_pdf", args=[carols.pk]))
    selection = client.get(reverse("sales:order_selection_pdf"), {"id": carols.pk})

    assert single.status_code == 404
    assert selection.status_code == 302


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_hands_a_selection_over_and_says_which_were_refused(personas, products):
    first, second = alices_orders(personas, products, 2)
    cancelled = order_at(OrderStatus.CANCELLED, personas)

    response = api_as(personas["manager1"]).post(
        "/api/v1/orders/bulk/assign/",
        {"orders": [first.pk, second.pk, cancelled.pk, 999_999], "owner": personas["rep2"].pk, "reason": "休假"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["done"] == [first.pk, second.pk]
    assert [(r["id"], r["code"]) for r in response.json()["refused"]] == [
        (cancelled.pk, "not_editable"),
        (999_999, "not_found"),
    ]
    assert all(refusal["detail"] for refusal in response.json()["refused"])
    assert Event.objects.get(verb="order.assigned", object_id=first.pk).data["reason"] == "休假"


def test_the_api_refuses_a_bad_request_whole_by_field(personas, products):
    order = alices_orders(personas, products, 1)[0]
    personas["rep2"].is_active = False
    personas["rep2"].save()
    client = api_as(personas["manager1"])

    gone = client.post(
        "/api/v1/orders/bulk/assign/", {"orders": [order.pk], "owner": personas["rep2"].pk}, format="json"
    )
    too_many = client.post(
        "/api/v1/orders/bulk/assign/",
        {"orders": list(range(1, MAX_SELECTION + 2)), "owner": personas["rep3"].pk},
        format="json",
    )
    no_such_owner = client.post("/api/v1/orders/bulk/assign/", {"orders": [order.pk], "owner": 999_999}, format="json")
    as_rep = api_as(personas["rep1"]).post(
        "/api/v1/orders/bulk/assign/", {"orders": [order.pk], "owner": personas["rep3"].pk}, format="json"
    )

    assert (gone.status_code, list(gone.json())) == (400, ["owner"])
    assert (too_many.status_code, list(too_many.json())) == (400, ["orders"])
    assert (no_such_owner.status_code, list(no_such_owner.json())) == (400, ["owner"])
    assert as_rep.status_code == 403
    assert Order.objects.get(pk=order.pk).owner == personas["rep1"]
    assert not Event.objects.filter(verb="order.assigned").exists()


def test_the_api_assignment_costs_a_fixed_number_of_queries_per_order(
    personas, products, django_assert_max_num_queries
):
    orders = alices_orders(personas, products, 9)
    client = api_as(personas["manager1"])
    body = {"owner": personas["rep2"].pk}
    client.post("/api/v1/orders/bulk/assign/", {**body, "orders": [orders[0].pk]}, format="json")
    with django_assert_max_num_queries(40) as one:
        client.post("/api/v1/orders/bulk/assign/", {**body, "orders": [orders[1].pk]}, format="json")
    with django_assert_max_num_queries(80) as two:
        client.post("/api/v1/orders/bulk/assign/", {**body, "orders": [o.pk for o in orders[2:4]]}, format="json")
    per_order = len(two) - len(one)

    with django_assert_max_num_queries(len(one) + per_order * 4):
        response = client.post(
            "/api/v1/orders/bulk/assign/", {**body, "orders": [o.pk for o in orders[4:]]}, format="json"
        )

    assert len(response.json()["done"]) == 5


def test_the_api_serves_an_orders_confirmation_as_a_pdf(personas, products, django_assert_max_num_queries):
    order = alices_orders(personas, products, 1)[0]
    carols = draft_order(personas["rep3"], products)
    client = api_as(personas["rep1"])

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/orders/{order.pk}/pdf/")
    hidden = client.get(f"/api/v1/orders/{carols.pk}/pdf/")
    as_pdf = client.get(f"/api/v1/orders/{carols.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pages_of(response.content) == 1
    assert hidden.status_code == as_pdf.status_code == 404
    assert hidden.json()["code"] == "not_found"


def test_the_order_page_links_to_its_confirmation(personas, client):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    client.force_login(rep)

    page = client.get(reverse("sales:order_detail", args=[order.pk]))

    assert reverse("sales:order_pdf", args=[order.pk]) in page.content.decode()

"""Values the database cannot hold or compare are refused where they come in, and one bad row never takes a page down.

Amounts and totals that overflow their columns, ids past the 64-bit range and dates at the
ends of the calendar in filters, documents with more lines than allowed, JSON nested
thousands deep, dates of things that have not happened yet: each a 400 with the field's
error in the API (or the field's message on the page), nothing written.
"""

import datetime
from decimal import Decimal
from unittest import mock

import django_filters
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from gendan.api_urls import router
from gendan.catalog.filters import ProductListFilter
from gendan.core.filters import FilterSet
from gendan.crm.filters import (
    BoardFilter,
    ContractFilter,
    CustomerFilter,
    FollowUpFilter,
    LeadFilter,
    MeetingFilter,
    OpportunityFilter,
)
from gendan.finance.models import Payment
from gendan.finance.services import payment_record
from gendan.fulfillment.services import shipment_deliver
from gendan.inventory.filters import StockLevelFilter, StockMoveFilter
from gendan.inventory.models import StockLevel, StockMove
from gendan.inventory.services import stock_move_record
from gendan.sales.filters import OrderFilter
from gendan.sales.filters_quotations import QuotationFilter
from gendan.sales.models import Order, OrderStatus, Quotation
from gendan.sales.services import order_create
from gendan.sales.tests.test_views import editor_post
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db

TOO_BIG_ID = "9223372036854775808"  # one past the largest 64-bit integer


@pytest.fixture
def rep(personas):
    return personas["rep1"]


@pytest.fixture
def products():
    _warehouse, products = stocked_products(2, on_hand="1000")
    return products


def order_body(customer, products, *rows):
    return {
        "customer": customer.pk,
        "lines": [
            {"product": product.pk, "quantity": quantity, "unit_price": price}
            for product, (quantity, price) in zip(products, rows, strict=False)
        ],
    }


# --- amounts and totals --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/quotations/"])
def test_a_document_whose_total_overflows_its_column_is_refused_and_nothing_is_saved(rep, products, path):
    customer = customer_ready_to_order(rep)
    # Each line fits its own columns; together (and with tax) they do not fit the document's.
    body = order_body(customer, products, ("1000", "600000000.00"), ("1000", "600000000.00"))

    response = api_as(rep).post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert "total" in response.json()
    assert not Order.objects.exists() and not Quotation.objects.exists()


def test_a_line_whose_amount_overflows_its_column_is_refused_on_the_line(rep, products):
    customer = customer_ready_to_order(rep)
    body = order_body(customer, products, ("1", "1.00"), ("99999999999", "999999999999.99"))

    response = api_as(rep).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["lines"]["1"]) == ["amount"]
    assert not Order.objects.exists()


def test_the_service_refuses_a_total_its_column_cannot_hold_before_writing(rep, products):
    customer = customer_ready_to_order(rep)
    rows = [
        {"product": product, "quantity": Decimal("1000"), "unit_price": Decimal("999999999.99")} for product in products
    ]

    with pytest.raises(ValidationError) as refused:
        order_create(actor=rep, customer=customer, lines=rows)

    assert "total" in refused.value.message_dict
    assert not Order.objects.exists()


def test_an_edit_that_overflows_the_total_keeps_the_old_lines(rep, products):
    order = draft_order(rep, products)
    body = order_body(order.customer, products, ("1000", "600000000.00"), ("1000", "600000000.00"))

    response = api_as(rep).patch(f"/api/v1/orders/{order.pk}/", {"lines": body["lines"]}, format="json")

    assert response.status_code == 400, response.content
    order.refresh_from_db()
    assert order.version == 1 and [line.quantity for line in order.lines.all()] == [Decimal("1"), Decimal("1")]


def test_the_order_form_says_when_the_total_overflows(client, rep, english):
    warehouse, products = stocked_products(2, on_hand="100000")
    customer = customer_ready_to_order(rep)
    client.force_login(rep)
    rows = {
        f"k{index}": {"product": product.pk, "quantity": "1000", "unit_price": "600000000.00"}
        for index, product in enumerate(products)
    }

    response = client.post("/orders/new/", editor_post(customer, warehouse, rows))

    assert response.status_code == 200
    assert "The lines add up to more than one document can hold" in response.content.decode()
    assert not Order.objects.exists()


def test_a_payment_too_large_for_its_column_is_refused(personas):
    finance = personas["finance1"]
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ValidationError) as refused:
        payment_record(actor=finance, customer=customer, amount=Decimal("1e40"), received_on=timezone.localdate())

    assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()


def test_a_receipt_that_would_overflow_the_stock_on_hand_is_refused(personas):
    clerk = personas["warehouse1"]
    warehouse, (product,) = stocked_products(1, on_hand="99999999999")

    with pytest.raises(ValidationError) as refused:
        stock_move_record(actor=clerk, kind="receipt", product=product, warehouse=warehouse, quantity=Decimal("1"))
    assert list(refused.value.message_dict) == ["quantity"]
    with pytest.raises(ValidationError) as refused:
        stock_move_record(actor=clerk, kind="receipt", product=product, warehouse=warehouse, quantity=Decimal("1e15"))
    assert list(refused.value.message_dict) == ["quantity"]

    assert StockLevel.objects.get().on_hand == Decimal("99999999999")
    assert not StockMove.objects.exists()


# --- how many lines --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/quotations/"])
def test_a_document_with_more_lines_than_allowed_is_refused_on_lines(rep, products, settings, english, path):
    settings.MAX_DOCUMENT_LINES = 3
    customer = customer_ready_to_order(rep)
    body = order_body(customer, products * 2, *[("1", "10.00")] * 4)

    response = api_as(rep).post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json() == {"lines": ["A document holds at most 3 lines; split it into several."]}


def test_an_order_of_twenty_thousand_lines_is_a_400_under_the_default_limit(rep, products, english):
    """The case a new user met: "too many SQL variables" from SQLite, now refused before any row is read."""
    customer = customer_ready_to_order(rep)
    body = {"customer": customer.pk, "lines": [{"product": products[0].pk, "quantity": "1"}] * 20_000}

    response = api_as(rep).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400
    assert response.json()["lines"] == ["A document holds at most 500 lines; split it into several."]
    assert not Order.objects.exists()


def test_the_service_refuses_more_lines_than_allowed(rep, products, settings):
    settings.MAX_DOCUMENT_LINES = 3
    customer = customer_ready_to_order(rep)
    rows = [{"product": products[0], "quantity": Decimal("1")}] * 4

    with pytest.raises(ValidationError) as refused:
        order_create(actor=rep, customer=customer, lines=rows)

    assert list(refused.value.message_dict) == ["lines"]


def test_the_order_form_says_when_there_are_too_many_lines(client, rep, settings, english):
    settings.MAX_DOCUMENT_LINES = 1
    warehouse, products = stocked_products(2, on_hand="1000")
    customer = customer_ready_to_order(rep)
    client.force_login(rep)
    rows = {f"k{index}": {"product": product.pk, "quantity": "1"} for index, product in enumerate(products)}

    response = client.post("/orders/new/", editor_post(customer, warehouse, rows))

    assert response.status_code == 200
    assert "A document holds at most 1 lines; split it into several." in response.content.decode()
    assert not Order.objects.exists()


def test_the_order_form_with_one_line_too_many_says_so(client, rep, english):
    warehouse, (product,) = stocked_products(1, on_hand="100000")
    customer = customer_ready_to_order(rep)
    client.force_login(rep)
    # Every row a full editor row, as the browser posts it (its search box too).
    row = {"product": product.pk, "quantity": "1", "unit_price": "10.00", "discount_percent": "0", "search": ""}
    too_many = {f"k{index}": row for index in range(501)}

    response = client.post("/orders/new/", editor_post(customer, warehouse, too_many))

    assert response.status_code == 200
    assert "A document holds at most 500 lines; split it into several." in response.content.decode()


# --- the JSON body ---------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [50, 100_000])
def test_json_nested_too_deeply_is_a_400(rep, levels):
    body = "[" * levels + "]" * levels

    response = api_as(rep).generic("POST", "/api/v1/orders/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_larger_than_allowed_is_a_400(rep, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api_as(rep).generic(
        "POST", "/api/v1/orders/", '{"note": "' + "x" * 2000 + '"}', content_type="application/json"
    )

    assert response.status_code == 400


# --- filters ---------------------------------------------------------------------------------------


def _api_filters(kinds):
    """(list path, parameter, filter) of every API list filter of one of `kinds`, from the router's viewsets."""
    found = []
    for prefix, viewset, _basename in router.registry:
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None:
            continue
        for name, one in filterset_class.base_filters.items():
            if isinstance(one, kinds):
                found.append(pytest.param(f"/api/v1/{prefix}/", name, one, id=f"{prefix}-{name}"))
    return found


ID_FILTERS = _api_filters((django_filters.NumberFilter, django_filters.ModelChoiceFilter))
DATE_FILTERS = _api_filters((django_filters.DateFilter, django_filters.DateTimeFilter))


@pytest.mark.parametrize(("path", "name", "one"), ID_FILTERS)
@pytest.mark.parametrize("value", [TOO_BIG_ID, "-" + TOO_BIG_ID + "0"])
def test_an_id_past_the_64_bit_range_in_an_api_filter_is_a_400_on_the_filter(personas, path, name, one, value):
    response = api_as(personas["admin"]).get(path, {name: value})

    assert response.status_code == 400, (path, name, response.content)
    assert name in response.json()


@pytest.mark.parametrize(("path", "name", "one"), DATE_FILTERS)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_a_date_at_the_ends_of_the_calendar_in_an_api_filter_is_a_400(personas, path, name, one, value):
    if not isinstance(one, django_filters.DateTimeFilter):
        value = value[:10]

    response = api_as(personas["admin"]).get(path, {name: value})

    assert response.status_code == 400, (path, name, response.content)
    assert name in response.json()


def test_a_filter_in_range_still_filters(personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    admin = api_as(personas["admin"])

    assert admin.get("/api/v1/orders/", {"customer": order.customer_id}).json()["count"] == 1
    assert admin.get("/api/v1/orders/", {"customer": order.customer_id + 1}).json()["count"] == 0
    assert admin.get("/api/v1/tasks/", {"due_after": "2001-01-01T00:00:00+08:00"}).status_code == 200


UI_LISTS = [
    ("/orders/", OrderFilter),
    ("/quotations/", QuotationFilter),
    ("/customers/", CustomerFilter),
    ("/customers/follow-ups/", FollowUpFilter),
    ("/customers/meetings/", MeetingFilter),
    ("/customers/contracts/", ContractFilter),
    ("/customers/leads/", LeadFilter),
    ("/customers/opportunities/", BoardFilter),
    ("/customers/opportunities/list/", OpportunityFilter),
    ("/products/", ProductListFilter),
    ("/stock/", StockLevelFilter),
    ("/stock/moves/", StockMoveFilter),
]


def _bad_value(one):
    if isinstance(one, django_filters.NumberFilter | django_filters.ModelChoiceFilter):
        return TOO_BIG_ID
    if isinstance(one, django_filters.DateTimeFilter):
        return "0001-01-01T00:00:00+08:00"
    if isinstance(one, django_filters.DateFilter):
        return "0001-01-01"
    return None


def test_every_filter_set_is_bounded():
    for _prefix, viewset, _basename in router.registry:
        filterset_class = getattr(viewset, "filterset_class", None)
        assert filterset_class is None or issubclass(filterset_class, FilterSet), viewset
    for _path, filterset_class in UI_LISTS:
        assert issubclass(filterset_class, FilterSet), filterset_class


def _offered_filters(filterset_class) -> dict:
    """The filters a list's filter set offers but the custom fields' (read from the database, which collecting the
    tests may not touch)."""
    with mock.patch.object(filterset_class, "custom_record_type", ""):
        return filterset_class().filters


UI_BAD_FILTERS = [
    (path, name, _bad_value(one))
    for path, filterset_class in UI_LISTS
    for name, one in _offered_filters(filterset_class).items()
    if _bad_value(one) is not None
]


@pytest.mark.parametrize(("path", "name", "value"), UI_BAD_FILTERS)
def test_a_list_page_with_a_filter_out_of_range_shows_an_empty_list_and_the_error(personas, path, name, value):
    order_at(OrderStatus.CONFIRMED, personas)
    client = Client()
    client.force_login(personas["admin"])

    response = client.get(path, {name: value})

    assert response.status_code == 200, (path, name)
    assert response.context["filter"].errors[name]
    table = response.context.get("table")
    assert table is None or len(table.rows) == 0


def test_the_order_list_shows_the_customer_filters_error(personas, english):
    client = Client()
    client.force_login(personas["admin"])

    response = client.get("/orders/", {"customer": TOO_BIG_ID})

    assert "Ensure this value is less than or equal to" in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "9999-12-31&view=week", "0001-01-01&view=week"])
def test_the_task_calendar_at_the_ends_of_the_calendar_shows_this_month(personas, day):
    client = Client()
    client.force_login(personas["rep1"])

    response = client.get(f"/tasks/calendar/?date={day}")

    assert response.status_code == 200


@pytest.mark.parametrize("bad_id", [TOO_BIG_ID, "99999999999999999999", "²"])
def test_ids_in_query_strings_that_no_row_can_have_are_ignored_not_crashed_on(personas, bad_id):
    rep = personas["rep1"]
    warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(rep)
    client = Client(raise_request_exception=False)
    client.force_login(rep)
    line = {"k1": {"product": products[0].pk, "quantity": "1"}}

    answers = {
        "editor row product": client.get("/orders/editor/row/", {"key": "k1", "product": bad_id}),
        "editor row warehouse": client.get(
            "/orders/editor/row/", {"key": "k1", "product": products[0].pk, "warehouse": bad_id}
        ),
        "editor lookup": client.get(
            "/orders/editor/lookup/", {"key": "k1", "lines-k1-search": "x", "warehouse": bad_id}
        ),
        "editor customer": client.get("/orders/editor/customer/", {"customer": bad_id}),
        "new order for": client.get("/orders/new/", {"customer": bad_id}),
        "new quotation for": client.get("/quotations/new/", {"customer": bad_id, "opportunity": bad_id}),
        "order line product": client.post(
            "/orders/new/", editor_post(customer, warehouse, {"k1": {"product": bad_id, "quantity": "1"}})
        ),
        "order warehouse": client.post("/orders/new/", {**editor_post(customer, warehouse, line), "warehouse": bad_id}),
        "follow-ups of": client.get("/customers/follow-ups/", {"customer": bad_id}),
        "meetings of": client.get("/customers/meetings/", {"customer": bad_id}),
        "task for": client.get("/tasks/new/", {"customer": bad_id}),
        "stalled days": client.get("/stalled/", {"days": bad_id}),
        "mark read": client.post("/notifications/read/", {"id": bad_id}),
    }

    assert {name: response.status_code for name, response in answers.items() if response.status_code >= 500} == {}


@pytest.mark.parametrize(
    "path", ["/orders/99999999999999999999/", "/api/v1/orders/99999999999999999999/", "/api/v1/orders/-1/"]
)
def test_an_id_past_the_integer_range_in_a_path_is_404(personas, path):
    client = Client()
    client.force_login(personas["admin"])

    assert client.get(path).status_code == 404


# --- dates -----------------------------------------------------------------------------------------


def test_a_payment_received_in_the_future_is_refused(personas):
    order = order_at(OrderStatus.SHIPPED, personas)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = api_as(personas["finance1"]).post(
        "/api/v1/payments/",
        {"customer": order.customer_id, "amount": "10.00", "received_on": "2099-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["received_on"]
    with pytest.raises(ValidationError) as refused:
        payment_record(actor=personas["finance1"], customer=order.customer, amount=Decimal("1"), received_on=tomorrow)
    assert list(refused.value.message_dict) == ["received_on"]
    assert not Payment.objects.exists()


def test_a_delivery_signed_for_in_the_future_is_refused(personas):
    order = order_at(OrderStatus.SHIPPED, personas)
    shipment = order.shipments.get()

    with pytest.raises(ValidationError) as refused:
        shipment_deliver(
            shipment=shipment,
            actor=personas["logistics1"],
            signed_by="王五",
            delivered_at=timezone.now() + datetime.timedelta(days=2),
        )

    assert list(refused.value.message_dict) == ["delivered_at"]
    shipment.refresh_from_db()
    assert shipment.delivered_at is None


@pytest.mark.parametrize("promised", ["1990-01-01", "2099-01-01", "0001-01-01"])
def test_a_promised_date_out_of_any_plan_is_refused(rep, products, promised):
    customer = customer_ready_to_order(rep)
    body = order_body(customer, products, ("1", "10.00")) | {"promised_date": promised}

    response = api_as(rep).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["promised_date"]


def test_a_promised_date_within_the_plan_is_kept(rep, products):
    customer = customer_ready_to_order(rep)
    promised = timezone.localdate() + datetime.timedelta(days=30)
    body = order_body(customer, products, ("1", "10.00")) | {"promised_date": promised.isoformat()}

    response = api_as(rep).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 201, response.content
    assert Order.objects.get().promised_date == promised


@pytest.mark.parametrize("due_at", ["9999-12-31T12:00:00Z", "0001-01-01T12:00:00Z"])
def test_a_task_due_at_the_ends_of_the_calendar_is_refused(personas, due_at):
    manager = personas["manager1"]

    response = api_as(manager).post(
        "/api/v1/tasks/", {"title": "回访", "assignee": personas["rep1"].pk, "due_at": due_at}, format="json"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["due_at"]


# --- one bad row -----------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's numeric columns refuse such a value")
def test_a_total_longer_than_its_column_does_not_take_the_pages_down(personas):
    order = order_at(OrderStatus.CONFIRMED, personas)
    with connection.cursor() as cursor:
        # SQLite keeps what it is given: a total with more digits than the column's 14.
        cursor.execute("UPDATE sales_order SET total = %s, subtotal = %s WHERE id = %s", [1e20, 1e20, order.pk])
    client = Client()
    client.force_login(personas["admin"])

    for path in [
        "/orders/",
        f"/orders/{order.pk}/",
        "/orders/?export=csv",
        "/orders/?export=xlsx",
        f"/customers/{order.customer_id}/",
        "/",
    ]:
        assert client.get(path).status_code == 200, path
    api = api_as(personas["admin"])
    assert api.get("/api/v1/orders/").status_code == 200
    assert api.get(f"/api/v1/orders/{order.pk}/").json()["total"] == "100000000000000000000.00"

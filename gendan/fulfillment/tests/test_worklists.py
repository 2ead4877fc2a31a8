"""The warehouse's worklists: to ship, shipments to send, in transit — pages, counts, the steps from their rows, API."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.core import worklists
from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.stages import order_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def confirmed(rep, promised=None, quantity="2"):
    """A confirmed order of `rep`'s for `quantity` units of one product, promised for `promised`."""
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products, [quantity]), actor=rep)
    Order.objects.filter(pk=order.pk).update(promised_date=promised)
    return Order.objects.get(pk=order.pk)


def ship(order, clerk, quantity=None, *, leave=True):
    line = order.lines.get()
    shipment = shipment_create(
        order=order, actor=clerk, lines=[{"order_line": line, "quantity": Decimal(quantity or line.quantity)}]
    )
    return shipment_ship(shipment=shipment, actor=clerk, **COURIER) if leave else shipment


@pytest.fixture
def world(personas):
    """Orders in every shipping state: rep1's (East team) and one of Carol's (rep3, North team)."""
    rep1, rep3, clerk = personas["rep1"], personas["rep3"], personas["warehouse1"]
    w = {
        "late": confirmed(rep1, days(-3)),
        "soon": confirmed(rep1, days(5)),
        "undated": confirmed(rep1, None),
        "carol": confirmed(rep3, days(-10)),
        "partly": confirmed(rep1, days(-1)),
        "all_packed": confirmed(rep1, days(1)),
        "old_road": confirmed(rep1, days(-20)),
    }
    # Half of Carol's order packed and waiting: she is on both the to-ship and the to-send lists.
    w["carol_packed"] = ship(w["carol"], clerk, "1", leave=False)
    w["partly_shipped"] = ship(w["partly"], clerk, "1")
    w["all_packed_shipment"] = ship(w["all_packed"], clerk, leave=False)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=4)):
        w["old_road_shipment"] = ship(w["old_road"], clerk)
    # Not on any list: not confirmed yet, on hold, or already delivered.
    w["draft"] = order_at(OrderStatus.DRAFT, personas)
    w["on_hold"] = order_at(OrderStatus.ON_HOLD, personas)
    w["delivered"] = order_at(OrderStatus.DELIVERED, personas)
    return w


def numbers(page_rows):
    return [row.number for row in page_rows]


def page(client, user, url_name, **params):
    client.force_login(user)
    return client.get(reverse(url_name), params)


def test_to_ship_lists_orders_with_goods_left_earliest_promise_first_with_days_late(client, personas, world):
    response = page(client, personas["warehouse1"], "fulfillment:to_ship")

    assert response.status_code == 200
    expected = [world[key].number for key in ("carol", "late", "partly", "soon", "undated")]
    assert numbers(response.context["page_obj"]) == expected
    html = response.content.decode()
    assert "10 days late" in html and "3 days late" in html and "1 day late" in html
    assert 'data-testid="ship-order"' in html


def test_shipments_to_send_and_in_transit_list_exactly_their_shipments(client, personas, world):
    clerk = personas["warehouse1"]

    pending = page(client, clerk, "fulfillment:pending_shipments")
    transit = page(client, clerk, "fulfillment:in_transit")

    assert numbers(pending.context["page_obj"]) == [world["carol_packed"].number, world["all_packed_shipment"].number]
    assert numbers(transit.context["page_obj"]) == [
        world["old_road_shipment"].number,
        world["partly_shipped"].number,
    ]
    assert "4 days ago" in transit.content.decode()


def test_a_follower_sees_the_lists_of_their_team_only(client, personas, world):
    follower = personas["follower1"]

    to_ship = page(client, follower, "fulfillment:to_ship")
    pending = page(client, follower, "fulfillment:pending_shipments")

    assert world["carol"].number not in numbers(to_ship.context["page_obj"])
    assert numbers(pending.context["page_obj"]) == [world["all_packed_shipment"].number]
    # A follower packs but does not ship: no "mark shipped" on the row.
    assert 'data-testid="mark-shipped"' not in pending.content.decode()


@pytest.mark.parametrize("role", ["rep1", "manager1", "finance1"])
def test_roles_that_do_not_ship_neither_see_nor_open_the_lists(client, personas, role):
    client.force_login(personas[role])

    answers = {
        name: client.get(reverse(name)).status_code
        for name in ("fulfillment:to_ship", "fulfillment:pending_shipments", "fulfillment:in_transit")
    }

    assert answers == dict.fromkeys(answers, 403)
    assert not [w for w in worklists.for_user(personas[role]) if w.key.startswith("fulfillment.")]


@pytest.mark.parametrize("role", ["warehouse1", "logistics1", "follower1", "admin"])
def test_each_count_equals_the_length_of_its_list(client, personas, world, role):
    user = personas[role]
    mine = {w.key: w for w in worklists.for_user(user) if w.key.startswith("fulfillment.")}

    assert sorted(mine) == ["fulfillment.in_transit", "fulfillment.pending_shipments", "fulfillment.to_ship"]
    for worklist in mine.values():
        with CaptureQueriesContext(connection) as queries:
            counted = worklist.count(user)
        assert len(queries) == 1
        assert counted == page(client, user, worklist.url_name).context["page_obj"].paginator.count
        assert counted == api_as(user).get(worklist.api_url).json()["count"]


def test_filters_by_customer_owner_and_overdue(client, personas, world):
    clerk = personas["warehouse1"]

    by_customer = page(client, clerk, "fulfillment:to_ship", customer=world["late"].customer_id)
    by_owner = page(client, clerk, "fulfillment:to_ship", owner=personas["rep3"].pk)
    overdue = page(client, clerk, "fulfillment:to_ship", overdue="true")
    on_time = page(client, clerk, "fulfillment:to_ship", overdue="false")

    assert numbers(by_customer.context["page_obj"]) == [world["late"].number]
    assert numbers(by_owner.context["page_obj"]) == [world["carol"].number]
    assert numbers(overdue.context["page_obj"]) == [world[k].number for k in ("carol", "late", "partly")]
    assert numbers(on_time.context["page_obj"]) == [world[k].number for k in ("soon", "undated")]


def test_shipping_from_the_list_takes_the_order_off_it(client, personas, world):
    # given the dialog, opened from the row
    client.force_login(personas["warehouse1"])
    order = world["late"]
    url = reverse("fulfillment:to_ship_ship", args=[order.pk])
    dialog = client.get(url, headers={"HX-Request": "true"})
    line = order.lines.get()
    assert 'data-testid="worklist-ship-form"' in dialog.content.decode()
    assert "<html" not in dialog.content.decode()

    # when everything ships at once
    response = client.post(
        url,
        {f"qty_{line.pk}": "2", "carrier": "顺丰", "tracking_number": "SF100200300", "ship": "1"},
        headers={"HX-Request": "true"},
    )

    # then the browser goes back to the list, which no longer holds the order
    assert response.headers["HX-Redirect"] == reverse("fulfillment:to_ship")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    assert Shipment.objects.get(order=order).carrier == "顺丰"
    after = client.get(reverse("fulfillment:to_ship"))
    assert order.number not in numbers(after.context["page_obj"])


def test_too_much_to_ship_answers_in_the_dialog_and_changes_nothing(client, personas, world):
    client.force_login(personas["warehouse1"])
    order = world["late"]
    line = order.lines.get()

    response = client.post(
        reverse("fulfillment:to_ship_ship", args=[order.pk]), {f"qty_{line.pk}": "5"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "HX-Redirect" not in response.headers
    assert response.context["form"].errors
    assert not Shipment.objects.filter(order=order).exists()


def test_without_javascript_the_ship_form_is_a_page_and_goes_back_to_the_list(client, personas, world):
    client.force_login(personas["warehouse1"])
    order = world["soon"]
    url = reverse("fulfillment:to_ship_ship", args=[order.pk])

    form_page = client.get(url)
    response = client.post(url, {f"qty_{order.lines.get().pk}": "1"})

    assert "<html" in form_page.content.decode()
    assert response.status_code == 302 and response.url == reverse("fulfillment:to_ship")
    assert Shipment.objects.get(order=order).status == ShipmentStatus.PENDING


def test_marking_shipped_and_delivered_from_the_lists_moves_the_shipment_along(client, personas, world):
    client.force_login(personas["logistics1"])
    shipment = world["all_packed_shipment"]

    no_tracking = client.post(reverse("fulfillment:pending_ship", args=[shipment.pk]), {"carrier": "顺丰速运"})
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.PENDING
    # The site's language is Chinese: the refusal names the tracking number (快递单号 / 运单号).
    refusal = " ".join(str(m) for m in get_messages(no_tracking.wsgi_request))
    assert "单号" in refusal or "tracking number" in refusal
    shipped = client.post(reverse("fulfillment:pending_ship", args=[shipment.pk]), COURIER)
    assert Shipment.objects.get(pk=shipment.pk).tracking_number == COURIER["tracking_number"]
    no_signature = client.post(reverse("fulfillment:in_transit_deliver", args=[shipment.pk]), {"signed_by": ""})
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.SHIPPED
    delivered = client.post(reverse("fulfillment:in_transit_deliver", args=[shipment.pk]), {"signed_by": "王经理"})

    assert shipped.url == reverse("fulfillment:pending_shipments")
    assert no_signature.url == delivered.url == reverse("fulfillment:in_transit")
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.DELIVERED
    assert shipment.number not in numbers(client.get(reverse("fulfillment:in_transit")).context["page_obj"])


def test_a_shipment_out_of_scope_cannot_be_moved_from_the_list(client, personas, world):
    client.force_login(personas["follower1"])

    response = client.post(reverse("fulfillment:to_ship_ship", args=[world["carol"].pk]), {})

    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["fulfillment:to_ship", "fulfillment:pending_shipments", "fulfillment:in_transit"])
def test_a_page_costs_the_same_queries_for_one_row_or_many(client, personas, url_name):
    clerk = personas["warehouse1"]
    client.force_login(clerk)

    def grow():
        order = confirmed(personas["rep1"], days(-2))
        if url_name != "fulfillment:to_ship":
            ship(order, clerk, leave=url_name == "fulfillment:in_transit")

    grow()
    client.get(reverse(url_name))  # the session and the user's permissions are warm from here on
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).context["page_obj"].paginator.count == 1
    for _ in range(4):
        grow()
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse(url_name)).context["page_obj"].paginator.count == 5

    assert len(five) == len(one) <= 15


def test_the_api_lists_are_scoped_ordered_and_filterable(personas, world):
    clerk, follower = api_as(personas["warehouse1"]), api_as(personas["follower1"])

    to_ship = clerk.get("/api/v1/worklists/to-ship/").json()
    team = follower.get("/api/v1/worklists/to-ship/").json()
    overdue = clerk.get("/api/v1/worklists/to-ship/", {"overdue": "true", "owner": personas["rep1"].pk}).json()
    carols = clerk.get("/api/v1/worklists/pending-shipments/", {"customer": world["carol"].customer_id}).json()
    transit = clerk.get("/api/v1/worklists/in-transit/").json()

    assert [row["number"] for row in to_ship["results"]] == [
        world[k].number for k in ("carol", "late", "partly", "soon", "undated")
    ]
    assert to_ship["results"][0]["days_late"] == 10 and to_ship["results"][3]["days_late"] is None
    assert world["carol"].number not in [row["number"] for row in team["results"]]
    assert [row["number"] for row in overdue["results"]] == [world["late"].number, world["partly"].number]
    assert [row["number"] for row in carols["results"]] == [world["carol_packed"].number]
    assert [(row["number"], row["days_since_shipped"]) for row in transit["results"]] == [
        (world["old_road_shipment"].number, 4),
        (world["partly_shipped"].number, 0),
    ]


def test_the_api_lists_refuse_roles_that_do_not_ship(personas):
    client = api_as(personas["rep1"])

    answers = {
        path: client.get(f"/api/v1/worklists/{path}/").status_code
        for path in ("to-ship", "pending-shipments", "in-transit")
    }

    assert answers == dict.fromkeys(answers, 403)


def test_the_ship_dialog_takes_the_delivery_method_as_the_order_page_does(client, personas, world):
    client.force_login(personas["warehouse1"])
    order = world["late"]
    line = order.lines.get()

    response = client.post(
        reverse("fulfillment:to_ship_ship", args=[order.pk]),
        {f"qty_{line.pk}": "2", "delivery_method": "pickup", "ship": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.headers["HX-Redirect"] == reverse("fulfillment:to_ship")
    shipment = Shipment.objects.get(order=order)
    assert (shipment.status, shipment.delivery_method) == (ShipmentStatus.SHIPPED, "pickup")

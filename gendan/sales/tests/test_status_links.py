"""The link a rep sends the customer to follow their order (客户随时获知进度): opened without an account, it shows
the order's stages, shipments with carrier and tracking number, and invoices — nothing else, nothing of other
orders; an expired, closed or tampered link is a plain 404; each sending and opening is on the order's timeline."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gendan.core.models import Event, PublicLink
from gendan.finance.services import invoice_create, invoice_issue
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from gendan.sales.services_status_links import order_status_link_send
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def shipped(personas):
    """rep1's order, shipped by courier and invoiced; and another order of the same customer."""
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products, notes="internal: push for the bigger model"), actor=rep)
    shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
    invoice = invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)
    other = order_submit(order=draft_order(rep, products, customer=order.customer), actor=rep)
    return {"order": order, "invoice": invoice, "other": other}


def sent_link(client, order):
    response = client.post(reverse("sales:status_link_send", args=[order.pk]))
    assert response.status_code == 200
    return re.search(r'value="([^"]+)" id="status-link"', response.content.decode()).group(1)


def test_a_customer_follows_their_order_through_the_link_without_an_account(client, personas, shipped):
    order = shipped["order"]
    client.force_login(personas["rep1"])
    url = sent_link(client, order)

    page = Client().get(url)

    assert page.status_code == 200
    text = page.content.decode()
    assert order.number in text and order.customer.name in text
    assert COURIER["carrier"] in text and COURIER["tracking_number"] in text
    assert shipped["invoice"].number in text
    # Nothing of the order's inside, nothing of the customer's other orders.
    assert "internal: push" not in text and shipped["other"].number not in text
    assert 'data-testid="nav-' not in text
    # The stages from the confirmation on: how the seller entered and approved the order is not the customer's.
    assert "Pending approval" not in text and ">Confirmed<" in text
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    verbs = list(Event.objects.for_object(order).values_list("verb", flat=True))
    assert "order.status_link_sent" in verbs and "order.status_link_opened" in verbs
    link = PublicLink.objects.get()
    assert link.open_count == 1 and link.token_hash not in url


def test_an_expired_closed_or_tampered_link_is_a_plain_not_found(client, personas, shipped):
    order = shipped["order"]
    client.force_login(personas["rep1"])
    url = sent_link(client, order)
    anonymous = Client()

    assert anonymous.get(url[:-2] + ("A" if url[-2] != "A" else "B") + "/").status_code == 404
    PublicLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert anonymous.get(url).status_code == 404

    PublicLink.objects.update(expires_at=timezone.now() + datetime.timedelta(days=1))
    assert anonymous.get(url).status_code == 200
    link = PublicLink.objects.get()
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="status-link-row"' in page and "opened 1 time" in page
    client.post(reverse("sales:status_link_revoke", args=[order.pk, link.pk]))
    response = anonymous.get(url)
    assert response.status_code == 404 and order.number not in response.content.decode()


def test_only_those_who_sell_and_see_the_order_send_a_link(client, personas, shipped):
    order = shipped["order"]
    client.force_login(personas["warehouse1"])
    assert client.post(reverse("sales:status_link_send", args=[order.pk])).status_code == 403
    client.force_login(personas["rep3"])
    assert client.post(reverse("sales:status_link_send", args=[order.pk])).status_code == 404
    assert not PublicLink.objects.exists()


def test_the_api_sends_a_link_that_opens_the_order(personas, shipped):
    order = shipped["order"]

    response = api_as(personas["rep1"]).post(f"/api/v1/orders/{order.pk}/status-link/")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "expires_at"}
    assert order.number in Client().get(body["url"]).content.decode()


def test_the_link_lasts_the_configured_days(personas, shipped, settings):
    settings.ORDER_STATUS_LINK_DAYS = 7
    link, _token = order_status_link_send(order=shipped["order"], actor=personas["rep1"])
    assert datetime.timedelta(days=6) < link.expires_at - timezone.now() <= datetime.timedelta(days=7)


def test_a_customer_checking_again_and_again_is_one_visit_an_hour_on_the_timeline(client, personas, shipped):
    order = shipped["order"]
    client.force_login(personas["rep1"])
    url = sent_link(client, order)
    anonymous = Client()

    for _ in range(3):
        assert anonymous.get(url).status_code == 200
    opened = Event.objects.for_object(order).filter(verb="order.status_link_opened")
    assert opened.count() == 1 and PublicLink.objects.get().open_count == 3

    PublicLink.objects.update(last_opened_at=timezone.now() - datetime.timedelta(hours=2))
    anonymous.get(url)
    assert opened.count() == 2

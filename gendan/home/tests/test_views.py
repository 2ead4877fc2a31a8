import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db


def test_home_shows_counts_and_my_open_orders(client, personas):
    _warehouse, products = stocked_products(count=1)
    mine = draft_order(personas["rep1"], products)
    theirs = draft_order(personas["rep3"], products)
    client.force_login(personas["rep1"])

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    assert response.context["counts"]["open"] == 1
    assert response.context["counts"]["customers"] == 1
    content = response.content.decode()
    assert mine.number in content and theirs.number not in content


def test_home_sends_anonymous_to_log_in(client):
    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_each_roles_home_page_links_its_worklists_with_their_counts(client, personas):
    _warehouse, products = stocked_products(count=1)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    order_submit(order=draft_order(personas["rep1"], products, promised_date=yesterday), actor=personas["rep1"])
    client.force_login(personas["rep1"])

    response = client.get(reverse("core:home"))

    content = response.content.decode()
    attention = reverse("sales_work:orders_attention")
    assert f'href="{attention}"' in content
    cards = {w.key: count for w, count in response.context["worklists"]}
    assert cards["sales.orders_attention"] == 1
    assert "sales.approvals" not in cards
    # The counts at a glance are links to the lists behind them.
    assert 'href="/orders/?status=pending_approval"' in content
    client.force_login(personas["manager1"])
    cards = {w.key for w, _count in client.get(reverse("core:home")).context["worklists"]}
    assert {"sales.approvals", "automation.team_overdue"} <= cards


def test_the_navigation_lists_the_users_worklists_with_counts(client, personas):
    _warehouse, products = stocked_products(count=1)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    order_submit(order=draft_order(personas["rep1"], products, promised_date=yesterday), actor=personas["rep1"])
    client.force_login(personas["rep1"])

    page = client.get(reverse("sales:order_list")).content.decode()
    nav = client.get(reverse("core:worklist_nav")).content.decode()

    assert reverse("core:worklist_nav") in page
    assert reverse("sales_work:orders_attention") in nav
    assert 'data-testid="nav-worklist-count">1<' in nav
    assert reverse("sales_work:approvals") not in nav


def test_the_api_sums_up_the_callers_worklists(personas):
    _warehouse, products = stocked_products(count=1)
    order_submit(order=draft_order(personas["rep1"], products), actor=personas["rep1"])

    body = api_as(personas["rep1"]).get("/api/v1/worklists/").json()

    by_key = {row["key"]: row for row in body}
    assert by_key["sales.orders_attention"]["count"] == 0
    assert by_key["sales.orders_attention"]["url"] == reverse("sales_work:orders_attention")
    assert by_key["sales.orders_attention"]["api_url"].endswith("/api/v1/worklists/orders-attention/")
    assert "sales.approvals" not in by_key
    assert APIClient().get("/api/v1/worklists/").status_code == 401


def test_the_warehouse_starts_from_its_worklists_not_from_orders_it_does_not_own(client, personas):
    client.force_login(personas["warehouse1"])

    response = client.get(reverse("core:home"))

    assert response.context["my_open_orders"] is None
    assert {w.key for w, _count in response.context["worklists"]} >= {"fulfillment.to_ship"}

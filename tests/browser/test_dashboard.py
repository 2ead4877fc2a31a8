"""A rep's dashboard on a phone, in Chinese, under the site's Content-Security-Policy: the cards stack, the charts are
drawn full width, and a card opens the list of the records behind its number."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gendan.analytics.tests import builders as b
from tests.factories import ProductFactory

from .conftest import log_in
from .test_layout import SMALL_TARGETS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month(personas):
    """Alice's two orders and Bob's one, confirmed this month (a minute ago, so on today's date)."""
    now = timezone.now() - datetime.timedelta(minutes=1)
    valve = ProductFactory(sku="V1", name="不锈钢阀门", cost=Decimal("60"))
    alice, bob = personas["rep1"], personas["rep2"]
    mine = b.customer(alice, region="华东", name="苏州精工")
    theirs = b.customer(bob, region="华北", name="天津重工")
    orders = [
        b.order(alice, mine, [(valve, 2, 150)], confirmed=now),
        b.order(alice, mine, [(valve, 1, 120)], confirmed=now),
    ]
    b.order(bob, theirs, [(valve, 5, 100)], confirmed=now)
    return orders


def test_a_reps_dashboard_on_a_phone_drills_down_to_their_orders(live_server, personas, month, new_page, shot):
    page = new_page(width=390, height=844, csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # What the policy refuses is reported on the console.
    page.on(
        "console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None
    )
    log_in(page, live_server.url, "rep1", "pw-rep1")

    page.click("button[aria-label='菜单']")
    page.click("[data-testid=nav-dashboard]")
    page.wait_for_selector("[data-chart] canvas")
    shot(page, "dashboard")

    assert page.locator("[data-testid=kpi-orders] [data-testid=kpi-value]").inner_text() == "2"
    assert page.locator("[data-testid=kpi-sales] [data-testid=kpi-value]").inner_text() == "420.00"
    # The cards stack, one per line; the chart takes the width of the screen.
    first, second = (page.locator(f"[data-testid=kpi-{name}]").bounding_box() for name in ("sales", "orders"))
    assert second["y"] >= first["y"] + first["height"]
    assert first["width"] > 330
    section = page.locator("section:has([data-chart])").first.bounding_box()
    assert section["width"] > 330
    chart = page.locator("[data-chart]").first.bounding_box()
    assert page.locator("[data-chart] canvas").first.bounding_box()["width"] == pytest.approx(chart["width"], abs=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(SMALL_TARGETS) == []
    # The definition opens with a tap.
    page.locator("[data-testid=kpi-sales] [data-testid=kpi-definition-toggle]").click()
    assert page.locator("[data-testid=kpi-sales] details p").is_visible()
    shot(page, "definition")

    page.locator("[data-testid=kpi-orders] [data-testid=kpi-link]").click()
    page.wait_for_url("**/orders/?**")
    page.wait_for_selector("[data-testid=order-table]")
    shot(page, "orders")

    rows = page.locator("[data-testid=order-row]")
    assert rows.count() == 2
    listed = " ".join(rows.all_inner_texts())
    assert all(order.number in listed for order in month)
    assert errors == []

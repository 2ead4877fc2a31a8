"""What a new user tripped over, in a browser: pages at phone width, long notes, the CSP."""

import pytest
from django.utils import translation

from gendan.fulfillment.services import shipment_create
from gendan.sales.services import order_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRACKING = "SF" + "1234567890" * 6 + "XY"  # 64 characters, no break in them

# Tap targets at phone width: every visible button, button-like link, navigation link, form
# field and pager link, except links inside running text. Returns the ones under 44 px.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, a.btn, .nav-link, .page-link, input:not([type=hidden]), select, textarea')]
  .filter(el => el.checkVisibility({visibilityProperty: true}) && !el.closest('p'))
  .map(el => {
    const target = ['checkbox', 'radio'].includes(el.type) ? (el.closest('.form-check, label') || el) : el;
    return [el.outerHTML.slice(0, 90), Math.round(target.getBoundingClientRect().height)];
  })
  .filter(([, height]) => height < 44)"""

NARROWEST_CELL = """() => Math.min(...[...document.querySelectorAll('main table tbody td')]
  .filter(td => td.checkVisibility() && td.textContent.trim().length > 1)
  .map(td => td.getBoundingClientRect().width))"""


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def shipped_order(personas):
    _warehouse, products = stocked_products(2, name="不锈钢球阀 DN50 法兰连接 304材质")
    customer = customer_ready_to_order(personas["rep1"], name="杭州恒远机械设备制造有限公司华东销售分公司")
    order = draft_order(personas["rep1"], products, ["3", "2"], customer=customer)
    for _ in range(3):
        draft_order(personas["rep1"], products, customer=customer)
    order = order_submit(order=order, actor=personas["rep1"])
    shipment_create(order=order, actor=personas["warehouse1"], carrier="顺丰速运", tracking_number=TRACKING, ship=True)
    return order


# Tables whose columns run past the screen, inside their scrolling box: the page is no wider, but the last
# columns are out of sight.
CUT_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
    .filter(box => box.scrollWidth > box.clientWidth + 1)
    .map(box => box.querySelector('table')?.dataset.testid || box.className)"""


def csp_violations(page) -> list[str]:
    errors = []
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize("username", ["rep1", "warehouse1", "finance1", "manager1"])
def test_phone_width_in_chinese(live_server, personas, shipped_order, new_page, shot, username):
    page = new_page(width=375, height=800, csp=True)
    log_in(page, live_server.url, username, f"pw-{username}")
    pages = {
        "home": "/",
        "orders": "/orders/",
        "order": f"/orders/{shipped_order.pk}/",
        "customers": "/customers/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        if response.status in (403, 404):
            continue  # not this role's page
        page.wait_for_load_state("networkidle")
        shot(page, name)

        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name}: the page is wider than the phone {widths}"
        assert page.evaluate(CUT_TABLES) == [], f"{name}: a table's columns are cut off on a phone"
        assert page.evaluate(SMALL_TARGETS) == [], f"{name}: tap targets under 44 px"
        if name == "home" and username == "rep1":
            assert page.evaluate(NARROWEST_CELL) > 40, "the home table's cells are one character wide"
        if name == "order":
            assert page.get_by_text(TRACKING).first.is_visible()

    response = page.goto(f"{live_server.url}/no-such-page/")
    shot(page, "not-found")
    assert response.status == 404 and page.get_by_role("heading", name=zh("Page not found")).is_visible()
    assert page.evaluate(SMALL_TARGETS) == []


def test_a_long_note_is_folded_and_more_shows_it_all(live_server, personas, new_page, shot):
    note = ("客户要求每批货附质检报告，包装用木箱，交货前三天电话通知仓库。" * 400)[:10_000]
    customer = customer_ready_to_order(personas["rep1"], notes=note)
    page = new_page(width=1280, height=900, csp=True)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("[data-fold-toggle]")

    shot(page, "folded")
    assert page.evaluate("document.documentElement.scrollHeight") < 2500
    toggle = page.get_by_role("button", name=zh("Show more"))
    toggle.click()
    assert page.evaluate("document.documentElement.scrollHeight") > 2500
    notes = page.locator(".fold-body").first
    assert notes.evaluate("el => el.scrollHeight <= el.clientHeight + 1")  # nothing hidden any more
    shot(page, "unfolded")
    page.get_by_role("button", name=zh("Show less")).click()
    assert page.evaluate("document.documentElement.scrollHeight") < 2500


def test_pages_served_with_the_csp_load_without_violations(live_server, personas, shipped_order, new_page):
    page = new_page(csp=True)
    violations = csp_violations(page)
    log_in(page, live_server.url, "rep1", "pw-rep1")

    response = page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/orders/{shipped_order.pk}/")
    page.wait_for_load_state("networkidle")
    # The language switch used an onchange="..." attribute the policy would refuse.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("#swagger-ui .information-container")

    assert violations == []

"""Quantities on the order and quotation pages, their editors and their messages are written as people write them.

A quantity of 10 read back from the database is 10.000, and `Decimal.normalize()` of it is 1E+1:
neither may reach a form, a page or a message.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from gendan.core.models import Event
from gendan.sales.approval_rules import reason_text
from gendan.sales.models import OrderStatus, QuotationStatus
from gendan.sales.services_quotations import quotation_revise, quotation_send
from tests.backbone import draft_order, stocked_products
from tests.stages import order_at

from .quotation_helpers import draft_quotation
from .test_quotations_views import editor_post as quotation_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def input_value(html: str, name_pattern: str) -> str:
    """The value="" of the first input whose name matches `name_pattern`."""
    tag = re.search(rf'<input[^>]*name="{name_pattern}"[^>]*>', html)
    assert tag, f"no input named {name_pattern}"
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def test_the_ship_now_field_is_prefilled_with_10_not_1e1(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas, quantity="10")
    line = order.lines.get()
    client.force_login(personas["warehouse1"])

    html = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert input_value(html, f"qty_{line.pk}") == "10"
    assert "1E+1" not in html


def test_the_invoice_now_field_is_prefilled_with_10_not_1e1(client, personas):
    order = order_at(OrderStatus.SHIPPED, personas, quantity="10")
    line = order.lines.get()
    client.force_login(personas["finance1"])

    html = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert 'data-testid="invoice-form"' in html
    assert input_value(html, f"qty_{line.pk}") == "10"
    assert "1E+1" not in html


def test_asking_to_ship_more_than_is_left_says_only_10_left(client, personas):
    order = order_at(OrderStatus.CONFIRMED, personas, quantity="10")
    line = order.lines.get()
    client.force_login(personas["warehouse1"])

    response = client.post(reverse("fulfillment:shipment_create", args=[order.pk]), {f"qty_{line.pk}": "11"})

    assert response.context["shipment_form"].errors[f"qty_{line.pk}"] == ["Only 10 left to ship on this line."]


def test_the_order_editor_opens_with_the_saved_quantities_amounts_and_totals(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products, ["10"])
    client.force_login(rep)

    response = client.get(reverse("sales:order_edit", args=[order.pk]))
    html = response.content.decode()

    assert input_value(html, r"lines-[0-9a-f]+-quantity") == "10"
    assert input_value(html, r"lines-[0-9a-f]+-discount_percent") == "0"
    assert input_value(html, "tax_rate") == "13"
    assert "1E+1" not in html
    # 10 × 100 at 13% tax, shown before anything is touched
    assert [row.amount for row in response.context["editor"].rows] == [Decimal("1000.00")]
    assert re.search(r'data-testid="line-amount"[^>]*>1,000.00<', html)
    assert re.search(r'data-testid="total"[^>]*>1,130.00<', html)


def test_the_quotation_editor_opens_with_the_saved_quantities_amounts_and_totals(client, personas):
    rep = personas["rep1"]
    quotation = draft_quotation(rep, quantities=["10"])
    client.force_login(rep)

    response = client.get(reverse("quotations:edit", args=[quotation.pk]))
    html = response.content.decode()

    assert input_value(html, r"lines-[0-9a-f]+-quantity") == "10"
    assert "1E+1" not in html
    assert [row.amount for row in response.context["editor"].rows] == [Decimal("1000.00")]
    assert re.search(r'data-testid="line-amount"[^>]*>1,000.00<', html)
    assert re.search(r'data-testid="subtotal"[^>]*>1,000.00<', html)
    assert re.search(r'data-testid="total"[^>]*>1,130.00<', html)


def test_an_approval_reason_writes_its_percentages_plain():
    reason = {
        "code": "discount_above_limit",
        "line": 1,
        "product": "BOLT-01",
        "discount_percent": "15.00",
        "limit": "10.00",
    }

    assert reason_text(reason) == ("Line 1, BOLT-01: discount 15% is above the submitter's limit of 10%.")


# --- a revision's terms ----------------------------------------------------------------------------

TERMS = "付款：30%预付\n交货：合同签订后两周内"


def revised_quotation(personas):
    rep = personas["rep1"]
    quotation = quotation_send(quotation=draft_quotation(rep, terms=TERMS), actor=rep)
    return quotation_revise(quotation=quotation, actor=rep)


def save_in_the_browser(client, quotation, terms):
    line = quotation.lines.get()
    return client.post(
        reverse("quotations:edit", args=[quotation.pk]),
        quotation_post(
            quotation.customer,
            {"a1": {"product": line.product_id, "quantity": "2", "unit_price": "100", "discount_percent": "0"}},
            version=str(quotation.version),
            valid_until=quotation.valid_until.isoformat(),
            terms=terms,
        ),
    )


def test_saving_a_revision_with_the_same_terms_reports_no_change_of_terms(client, personas):
    revision = revised_quotation(personas)
    client.force_login(personas["rep1"])

    # a browser sends a textarea's lines ending in CRLF
    saved = save_in_the_browser(client, revision, TERMS.replace("\n", "\r\n") + "\r\n")
    page = client.get(reverse("quotations:detail", args=[revision.pk]))

    assert saved.status_code == 302
    assert page.context["quotation"].status == QuotationStatus.DRAFT
    assert page.context["comparison"].fields == []
    edited = Event.objects.filter(verb="quotation.updated", object_id=revision.pk).get()
    assert "terms" not in edited.changes


def test_saving_a_revision_with_other_terms_reports_the_change(client, personas):
    revision = revised_quotation(personas)
    client.force_login(personas["rep1"])

    save_in_the_browser(client, revision, TERMS.replace("30%", "50%").replace("\n", "\r\n"))
    page = client.get(reverse("quotations:detail", args=[revision.pk]))

    assert [str(label) for label, _old, _new in page.context["comparison"].fields] == ["terms"]
    edited = Event.objects.filter(verb="quotation.updated", object_id=revision.pk).get()
    assert "terms" in edited.changes

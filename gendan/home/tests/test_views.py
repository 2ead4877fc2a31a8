import pytest
from django.urls import reverse

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

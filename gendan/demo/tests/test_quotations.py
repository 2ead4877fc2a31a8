"""The demo company's quotations: every status, for the East team's customers, through the services."""

from collections import Counter

import pytest
from django.core.management import call_command

from gendan.core.models import Event
from gendan.demo.company import PASSWORD_ENV
from gendan.sales.models import Quotation

pytestmark = pytest.mark.django_db


def test_the_demo_has_quotations_in_every_status_and_one_turned_into_an_order(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)

    call_command("load_demo_data", "--history-months=0", stdout=None)

    quotations = list(Quotation.objects.select_related("owner", "customer__owner", "order").order_by("created_at"))
    assert Counter(q.status for q in quotations) == {
        "draft": 2,
        "sent": 3,  # two waiting, and the revised one's V2
        "accepted": 1,
        "rejected": 1,
        "expired": 1,
        "superseded": 1,
    }
    assert {q.owner.username for q in quotations} == {"rep1", "rep2"}
    assert all(q.owner == q.customer.owner for q in quotations)
    # numbers follow the order in which the quotations were made; a revision keeps its number
    numbers = [q.number for q in quotations if q.revision == 1]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    v2 = next(q for q in quotations if q.revision == 2)
    assert (v2.status, v2.previous.status, v2.previous.number) == ("sent", "superseded", v2.number)
    accepted = next(q for q in quotations if q.status == "accepted")
    assert (accepted.order.status, accepted.order.customer) == ("draft", accepted.customer)
    assert any(q.below_floor for q in quotations)
    expired = Event.objects.get(verb="quotation.expired")
    assert expired.actor is None

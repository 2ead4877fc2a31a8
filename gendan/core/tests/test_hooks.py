"""How a lower app gets work done by an app above it: subscribers in the event's transaction, and ports."""

from collections import defaultdict

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from gendan.core import events, hooks
from gendan.core.models import Event
from gendan.crm.services import customer_create


def test_a_port_answers_its_default_until_an_app_provides_it():
    port = hooks.Port("test.port", default=lambda value: None)
    assert port(1) is None

    port.provide(lambda value: value * 2)

    assert port(21) == 42


def test_a_port_has_one_provider():
    port = hooks.Port("test.port", default=lambda: None)

    def provider():
        return 1

    port.provide(provider)
    port.provide(provider)  # AppConfig.ready() may run again: the same provider is fine

    with pytest.raises(ImproperlyConfigured):
        port.provide(lambda: 2)


@pytest.fixture
def subscribers(monkeypatch):
    monkeypatch.setattr(hooks, "_subscribers", defaultdict(list))


@pytest.mark.django_db
def test_record_hands_the_event_to_its_subscribers_with_the_actor_and_the_object(personas, subscribers):
    # given
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    seen = []
    hooks.on_recorded("customer.tested", lambda event, *, actor, obj: seen.append((event.verb, actor, obj)))

    # when
    events.record(rep, "customer.tested", customer)
    events.record(rep, "customer.ignored", customer)

    # then
    assert seen == [("customer.tested", rep, customer)]


@pytest.mark.django_db
def test_a_subscribers_work_is_undone_with_the_savepoint_of_its_event(personas, subscribers):
    # given: a subscriber that writes (an event of its own, as a service it calls would)
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    hooks.on_recorded("customer.tested", lambda event, *, actor, obj: events.record(actor, "customer.reacted", obj))

    # when: the block that recorded the event fails, and the caller carries on
    with transaction.atomic():
        try:
            with transaction.atomic():
                events.record(rep, "customer.tested", customer)
                raise RuntimeError("undone")
        except RuntimeError:
            pass

    # then
    assert not Event.objects.filter(verb__in=["customer.tested", "customer.reacted"]).exists()

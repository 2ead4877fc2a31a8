"""Event webhooks reach public addresses only: refused on saving (form and API), and again at each delivery, where
the name is resolved anew and the connection goes to the very address checked (DNS rebinding)."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.automation import outgoing
from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.services_webhooks import event_webhook_create
from gendan.automation.webhooks import deliver, event_webhook_send_test, fan_out
from gendan.core.models import Event
from gendan.crm.services import customer_create
from tests.api_client import api_as

from . import receivers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def dns(monkeypatch, settings):
    """Public addresses only, and a resolver of our own: names map to what a test says, nothing leaves the machine."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    answers = {}

    def resolve(host, port):
        try:
            return [str(outgoing.ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answers[host])

    monkeypatch.setattr(outgoing, "resolve", resolve)
    return answers


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "https://intranet.example.com/hook",
    ],
)
def test_a_url_into_a_private_network_is_refused_with_a_field_error(personas, dns, url):
    dns["localhost"] = ["127.0.0.1", "::1"]
    dns["intranet.example.com"] = ["203.0.113.9", "10.0.0.7"]
    with pytest.raises(ValidationError) as refused:
        event_webhook_create(actor=personas["admin"], url=url, events=["*"], secret=SECRET)
    assert list(refused.value.message_dict) == ["url"]
    assert "public addresses only" in refused.value.message_dict["url"][0]
    assert not EventWebhook.objects.exists()


def test_a_public_name_and_an_unknown_one_are_accepted(personas, dns):
    dns["erp.example.com"] = ["93.184.215.14"]
    event_webhook_create(actor=personas["admin"], url="https://erp.example.com/in", events=["*"], secret=SECRET)
    # A name that does not resolve yet is not refused: each delivery checks it again.
    event_webhook_create(actor=personas["admin"], url="https://new.example.com/in", events=["*"], secret=SECRET)
    assert EventWebhook.objects.count() == 2


def test_the_api_answers_400_on_the_url_field_and_the_form_shows_it(client, personas, dns):
    api = api_as(personas["admin"])
    response = api.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/in", "events": ["*"], "secret": SECRET}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["url"]
    client.force_login(personas["admin"])
    page = client.post(
        reverse("automation:webhook_create"), {"url": "http://192.168.0.1/in", "events": ["*"], "secret": SECRET}
    )
    assert page.status_code == 200
    assert list(page.context["form"].errors) == ["url"]
    assert not EventWebhook.objects.exists()


def test_the_setting_lets_webhooks_into_the_company_network(personas, dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    event_webhook_create(actor=personas["admin"], url="http://10.1.2.3/in", events=["*"], secret=SECRET)
    assert EventWebhook.objects.count() == 1


def test_a_name_that_turns_private_after_saving_is_not_posted_to(personas, dns):
    # given: a webhook saved while its name pointed at a public address, and a receiver on loopback
    receiver = receivers.start("webhook", secret=SECRET)
    try:
        host_port = receiver.url.split("//", 1)[1].split("/", 1)[0]
        port = host_port.rsplit(":", 1)[1]
        dns["erp.example.com"] = ["93.184.215.14"]
        webhook = event_webhook_create(
            actor=personas["admin"], url=f"http://erp.example.com:{port}/in", events=["*"], secret=SECRET
        )
        # when: the name is rebound to the loopback receiver before the delivery
        dns["erp.example.com"] = ["127.0.0.1"]
        customer_create(actor=personas["rep1"], name="重绑客户")
        fan_out(Event.objects.filter(verb="customer.created").latest("pk"))
        delivery = WebhookDelivery.objects.get(webhook=webhook)
        outcome = deliver(delivery)
        # then: nothing reached the receiver; the delivery is a dead letter saying why, replayable once fixed
        assert outcome == "failed"
        assert receiver.requests == []
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert "127.0.0.1" in delivery.last_error
        # and: the test action refuses the same way
        with pytest.raises(outgoing.DeliveryError, match="non-public"):
            event_webhook_send_test(webhook)
        assert receiver.requests == []
    finally:
        receivers.stop(receiver)


def test_the_connection_goes_to_the_address_checked(monkeypatch):
    # Resolved once: a second answer (rebinding between check and connect) is never asked for.
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    monkeypatch.setattr(outgoing, "resolve", lambda host, port: next(answers))
    connected = []
    monkeypatch.setattr(outgoing.socket, "create_connection", lambda address, *args: connected.append(address))
    outgoing._public_connection(("erp.example.com", 443))
    assert connected == [("93.184.215.14", 443)]

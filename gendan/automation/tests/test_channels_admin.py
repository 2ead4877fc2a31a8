"""The admin screens for webhooks and deliveries."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gendan.automation.models import DeliveryStatus, NotificationDelivery, WebhookEndpoint
from gendan.core.models import Event

from . import receivers
from .receivers import delivery_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, personas):
    admin = personas["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


@pytest.fixture
def hook():
    receiver = receivers.start("webhook", secret="whsec-1")
    yield receiver
    receivers.stop(receiver)


def run_action(client, model, action, objects):
    return client.post(
        reverse(f"admin:automation_{model}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects]},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_send_a_test_message(operator, personas, hook):
    # given: one endpoint that works, one whose robot refuses our signature
    good = WebhookEndpoint.objects.create(
        name="Ops", kind="webhook", url=hook.url, secret=hook.secret, user=personas["rep1"]
    )
    dingtalk = receivers.start("dingtalk", secret="SECright")
    try:
        bad = WebhookEndpoint.objects.create(
            name="Team group", kind="dingtalk", url=dingtalk.url, secret="SECwrong", user=personas["rep1"]
        )
        # when
        response = run_action(operator, "webhookendpoint", "send_test_message", [good, bad])
    finally:
        receivers.stop(dingtalk)
    # then
    assert response.status_code == 302
    [request] = hook.requests
    assert hook.signature_ok(request)
    assert request.json["kind"] == "test"
    assert request.headers["X-Gendan-Delivery"].startswith("test-")
    assert len(dingtalk.requests) == 1
    notes = sorted(str(m) for m in get_messages(response.wsgi_request))
    assert notes == [
        "Ops: test message delivered.",
        "Team group: not delivered. The robot refused the message (errcode 310000): sign not match",
    ]
    # A test message leaves no delivery rows behind.
    assert not NotificationDelivery.objects.exists()


def test_an_endpoint_needs_a_person_or_a_department(operator):
    response = operator.post(
        reverse("admin:automation_webhookendpoint_add"),
        {"name": "Nobody's", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x", "kinds": "[]", "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "Choose whose notices go there: a person or a department." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_are_listed_read_only(operator, personas, hook):
    endpoint = WebhookEndpoint.objects.create(name="Ops", kind="webhook", url=hook.url, user=personas["rep1"])
    delivery = delivery_to(personas["rep1"], endpoint)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=6, last_error="HTTP 500 from the receiver"
    )

    response = operator.get(reverse("admin:automation_notificationdelivery_changelist"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "HTTP 500 from the receiver" in html
    assert reverse("admin:automation_notificationdelivery_add") not in html
    change = operator.post(reverse("admin:automation_notificationdelivery_change", args=[delivery.pk]), {})
    assert change.status_code == 403


def test_failed_deliveries_are_requeued_explicitly(operator, personas, hook):
    # given: one failed and one already sent
    endpoint = WebhookEndpoint.objects.create(name="Ops", kind="webhook", url=hook.url, user=personas["rep1"])
    failed = delivery_to(personas["rep1"], endpoint)
    sent = delivery_to(personas["rep1"], endpoint)
    NotificationDelivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, attempts=6)
    NotificationDelivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT, attempts=1)
    # when
    response = run_action(operator, "notificationdelivery", "requeue", [failed, sent])
    # then
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 delivery re-queued."]
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 0)
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 1)
    assert Event.objects.filter(verb="notification_delivery.requeued").count() == 1

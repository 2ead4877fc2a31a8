"""Each channel's message format and signature, checked by a real HTTP server on loopback."""

import datetime

import pytest
from django.core import mail

from gendan.automation.channels import send_due_deliveries
from gendan.automation.models import Channel, DeliveryStatus, NotificationDelivery, WebhookEndpoint
from gendan.automation.services import notification_create

from . import receivers
from .receivers import delivery_to

pytestmark = pytest.mark.django_db

SITE = "https://gendan.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def receiver():
    started = []

    def make(platform, secret="", delay=0.0):
        started.append(receivers.start(platform, secret, delay))
        return started[-1]

    yield make
    for each in started:
        receivers.stop(each)


def endpoint_for(receiver, **fields):
    return WebhookEndpoint.objects.create(
        name=f"{receiver.platform} robot", kind=receiver.platform, url=receiver.url, secret=receiver.secret, **fields
    )


def test_wecom_robot_gets_markdown(personas, receiver, english):
    # given
    wecom = receiver("wecom")
    delivery = delivery_to(personas["rep1"], endpoint_for(wecom, department=personas["rep1"].department))
    # when
    outcome = send_due_deliveries()
    # then
    assert outcome == {"sent": 1}
    [request] = wecom.requests
    assert request.path == "/robot/send"
    assert request.query == {"access_token": ["test-token"]}
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": f"**New task: Call Acme**\n\nAsk about the order.\n\n[Open in Gendan]({SITE}/tasks/7/)"
        },
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None


def test_dingtalk_robot_gets_signed_markdown(personas, receiver, english):
    # given
    dingtalk = receiver("dingtalk", secret="SECd1e2f3a4b5c6")
    delivery = delivery_to(personas["rep1"], endpoint_for(dingtalk, user=personas["rep1"]))
    # when
    assert send_due_deliveries() == {"sent": 1}
    # then
    [request] = dingtalk.requests
    assert request.raw_query.startswith("access_token=test-token&timestamp=")
    assert sorted(request.query) == ["access_token", "sign", "timestamp"]
    assert len(request.query["timestamp"][0]) == 13  # milliseconds
    assert dingtalk.signature_ok(request)
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "title": "New task: Call Acme",
            "text": f"#### New task: Call Acme\n\nAsk about the order.\n\n[Open in Gendan]({SITE}/tasks/7/)",
        },
    }
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_dingtalk_refusal_is_kept_and_retried(personas, receiver):
    # given: the robot knows another secret than ours
    dingtalk = receiver("dingtalk", secret="SECright")
    endpoint = endpoint_for(dingtalk, user=personas["rep1"])
    endpoint.secret = "SECwrong"
    endpoint.save()
    delivery = delivery_to(personas["rep1"], endpoint)
    # when
    assert send_due_deliveries() == {"retry": 1}
    # then
    assert len(dingtalk.requests) == 1
    assert not dingtalk.signature_ok(dingtalk.requests[0])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "310000" in delivery.last_error and "sign not match" in delivery.last_error


def test_feishu_bot_gets_signed_text(personas, receiver):
    # given
    feishu = receiver("feishu", secret="fs-secret-42")
    delivery = delivery_to(personas["rep1"], endpoint_for(feishu, user=personas["rep1"]))
    # when
    assert send_due_deliveries() == {"sent": 1}
    # then
    [request] = feishu.requests
    assert feishu.signature_ok(request)
    body = request.json
    assert sorted(body) == ["content", "msg_type", "sign", "timestamp"]
    assert body["timestamp"].isdigit() and len(body["timestamp"]) == 10  # seconds, as a string
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": f"New task: Call Acme\nAsk about the order.\n{SITE}/tasks/7/"}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_feishu_refusal_is_kept_and_retried(personas, receiver):
    feishu = receiver("feishu", secret="fs-right")
    endpoint = endpoint_for(feishu, user=personas["rep1"])
    endpoint.secret = "fs-wrong"
    endpoint.save()
    delivery = delivery_to(personas["rep1"], endpoint)

    assert send_due_deliveries() == {"retry": 1}

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert "19021" in delivery.last_error


def test_generic_webhook_gets_signed_json_with_the_delivery_id(personas, receiver):
    # given
    hook = receiver("webhook", secret="whsec-123")
    delivery = delivery_to(personas["rep1"], endpoint_for(hook, user=personas["rep1"]))
    # when
    assert send_due_deliveries() == {"sent": 1}
    # then
    [request] = hook.requests
    assert request.headers["X-Gendan-Delivery"] == str(delivery.pk)
    assert request.headers["X-Gendan-Timestamp"].isdigit()
    assert hook.signature_ok(request)
    body = request.json
    created_at = datetime.datetime.fromisoformat(body.pop("created_at"))
    assert abs(created_at - delivery.notification.created_at) < datetime.timedelta(milliseconds=1)
    assert body == {
        "id": str(delivery.pk),
        "kind": "task.assigned",
        "title": "New task: Call Acme",
        "body": "Ask about the order.",
        "url": f"{SITE}/tasks/7/",
        "recipient": {"id": personas["rep1"].pk, "username": "rep1", "name": "rep1"},
    }


def test_generic_webhook_non_2xx_answer_is_retried(personas, receiver, english):
    hook = receiver("webhook", secret="whsec-right")
    endpoint = endpoint_for(hook, user=personas["rep1"])
    endpoint.secret = "whsec-wrong"
    endpoint.save()
    delivery = delivery_to(personas["rep1"], endpoint)

    assert send_due_deliveries() == {"retry": 1}

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("HTTP 401")


def test_email_goes_through_the_email_backend(personas, english):
    # given
    rep1 = personas["rep1"]
    rep1.email = "alice@example.com"
    rep1.save()
    delivery = delivery_to(rep1, channel=Channel.EMAIL)
    # when
    assert send_due_deliveries() == {"sent": 1}
    # then
    [message] = mail.outbox
    assert message.subject == "New task: Call Acme"
    assert message.body == f"Ask about the order.\n\n{SITE}/tasks/7/"
    assert message.to == ["alice@example.com"]
    assert message.from_email == "gendan@localhost"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_email_without_an_address_fails_at_once(personas, english):
    delivery = delivery_to(personas["rep1"], channel=Channel.EMAIL)

    assert send_due_deliveries() == {"failed": 1}

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "The recipient has no e-mail address."


def test_switched_off_webhook_fails_without_a_request(personas, receiver, english):
    hook = receiver("webhook", secret="s")
    delivery = delivery_to(personas["rep1"], endpoint_for(hook, user=personas["rep1"], is_active=False))

    assert send_due_deliveries() == {"failed": 1}

    assert hook.requests == []
    delivery.refresh_from_db()
    assert delivery.last_error == "The webhook is switched off."


def test_unreachable_receiver_is_retried(personas, receiver, english):
    hook = receiver("webhook", secret="s")
    endpoint = endpoint_for(hook, user=personas["rep1"])
    receivers.stop(hook)  # nothing listens on that port any more
    delivery = delivery_to(personas["rep1"], endpoint)

    assert send_due_deliveries() == {"retry": 1}

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("Could not reach 127.0.0.1:")


def test_notification_goes_out_on_each_chosen_channel_after_commit(
    personas, receiver, django_capture_on_commit_callbacks, english
):
    # given: Alice wants e-mail and her team's WeCom group
    rep1 = personas["rep1"]
    rep1.email = "alice@example.com"
    rep1.save()
    rep1.notification_preferences.create(kind="task.assigned", channels=[Channel.EMAIL, Channel.WECOM])
    wecom = receiver("wecom")
    endpoint_for(wecom, department=rep1.department)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_create(
            recipient=rep1, kind="task.assigned", title="New task: Call Acme", body="Soon.", url="/tasks/7/"
        )
    # then
    assert [m.subject for m in mail.outbox] == ["New task: Call Acme"]
    assert len(wecom.requests) == 1
    statuses = sorted(NotificationDelivery.objects.filter(notification=notification).values_list("channel", "status"))
    assert statuses == [("email", "sent"), ("wecom", "sent")]


def test_someone_without_a_department_gets_no_one_elses_webhooks(personas, receiver):
    # given: a personal webhook of Alice's; the boss belongs to no department
    personas["boss1"].notification_preferences.create(kind="*", channels=[Channel.WEBHOOK])
    WebhookEndpoint.objects.create(
        name="Alice's", kind=Channel.WEBHOOK, url="http://127.0.0.1:9/", user=personas["rep1"]
    )
    # when
    notification = notification_create(recipient=personas["boss1"], kind="rule", title="Heads up")
    # then
    assert notification.deliveries.count() == 0

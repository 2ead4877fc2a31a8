"""Event webhooks in the API and on the pages: administrators only, field-keyed refusals, the log, replay, test sends."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.webhooks import fan_out
from gendan.core.models import Event
from gendan.crm.services import customer_create
from tests.api_client import api_as

from . import receivers

pytestmark = pytest.mark.django_db

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def erp():
    receiver = receivers.start("webhook", secret=SECRET)
    yield receiver
    receivers.stop(receiver)


def deliveries_for(webhook, personas, count=1, status=DeliveryStatus.FAILED) -> list[WebhookDelivery]:
    rows = []
    for index in range(count):
        customer_create(actor=personas["rep1"], name=f"客户{webhook.pk}-{index}")
        event = Event.objects.filter(verb="customer.created").latest("pk")
        fan_out(event)
        rows.append(WebhookDelivery.objects.get(webhook=webhook, event=event).pk)
    WebhookDelivery.objects.filter(pk__in=rows).update(
        status=status, attempts=6, last_status_code=500, last_error="HTTP 500"
    )
    return list(WebhookDelivery.objects.filter(pk__in=rows).order_by("pk"))


# --- API ---------------------------------------------------------------------------------------------


def test_an_admin_creates_a_webhook_and_reads_it_with_the_secret_masked(personas):
    client = api_as(personas["admin"])
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "https://erp.example.com/gendan", "events": ["order.confirmed", "order.confirmed"], "secret": SECRET},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["url"], body["events"], body["active"], body["secret"]) == (
        "https://erp.example.com/gendan",
        ["order.confirmed"],
        True,
        "••••cdef",
    )
    webhook = EventWebhook.objects.get()
    assert (webhook.secret, webhook.created_by) == (SECRET, personas["admin"])
    assert Event.objects.filter(verb="webhook.created").get().data == {
        "url": "https://erp.example.com/gendan",
        "events": ["order.confirmed"],
        "active": True,
    }
    # a change without the secret keeps it
    changed = client.patch(f"/api/v1/webhooks/{webhook.pk}/", {"events": ["*"], "active": False}, format="json")
    assert (changed.status_code, changed.json()["events"], changed.json()["active"]) == (200, ["*"], False)
    webhook.refresh_from_db()
    assert webhook.secret == SECRET


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"url": "ftp://erp.example.com", "events": ["order.confirmed"], "secret": SECRET},
            {"url": ["Enter a full URL starting with http:// or https://."]},
        ),
        (
            {"url": "https://erp.example.com", "events": ["order.teleported"], "secret": SECRET},
            {"events": ["Unknown event: order.teleported."]},
        ),
        (
            {"url": "not a url", "events": [], "secret": "short"},
            {
                "url": ["Enter a full URL starting with http:// or https://."],
                "events": ['Choose at least one event, or "*" for every event.'],
                "secret": ["Use at least 16 characters."],
            },
        ),
        (
            {"url": "https://erp.example.com", "events": ["*"]},
            {"secret": ["Give a signing secret for the receiver to check."]},
        ),
        ({"url": "https://erp.example.com", "events": "order.confirmed", "secret": SECRET}, {"events": None}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(personas, english, payload, errors):
    response = api_as(personas["admin"]).post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert body[field] == messages
    assert not EventWebhook.objects.exists()


@pytest.mark.parametrize("role", ["rep1", "manager1", "boss1", "finance1"])
def test_anyone_but_an_administrator_is_refused(personas, role):
    webhook = EventWebhook.objects.create(url="https://erp.example.com", events=["*"], secret=SECRET)
    [delivery] = deliveries_for(webhook, personas)
    client = api_as(personas[role])
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").status_code == 403
    assert (
        client.post(
            "/api/v1/webhooks/", {"url": "https://x.example.com", "events": ["*"], "secret": SECRET}
        ).status_code
        == 403
    )
    assert client.post(f"/api/v1/webhooks/{webhook.pk}/deliveries/{delivery.pk}/replay/").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{webhook.pk}/").status_code == 403
    assert EventWebhook.objects.count() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_the_delivery_log_filters_the_dead_letters_and_a_replay_sends_the_same_id(
    personas, erp, django_capture_on_commit_callbacks
):
    webhook = EventWebhook.objects.create(url=erp.url, events=["*"], secret=SECRET)
    dead, delivered = deliveries_for(webhook, personas, 2)
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=DeliveryStatus.SENT, last_status_code=200)
    client = api_as(personas["admin"])
    # the dead letters only
    log = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/?status=failed").json()
    assert [
        (row["id"], row["verb"], row["status"], row["attempts"], row["last_status_code"]) for row in log["results"]
    ] == [(dead.pk, "customer.created", "failed", 6, 500)]
    assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/?status=lost").status_code == 400
    # replay
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/api/v1/webhooks/{webhook.pk}/deliveries/{dead.pk}/replay/")
    assert (replayed.status_code, replayed.json()["status"]) == (200, "pending")
    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.last_status_code) == (DeliveryStatus.SENT, 1, 200)
    assert [r.headers["X-Gendan-Delivery"] for r in erp.requests] == [str(dead.pk)]
    # a delivery on its way cannot be replayed; one of another webhook is not found here
    WebhookDelivery.objects.filter(pk=dead.pk).update(status=DeliveryStatus.PENDING)
    busy = client.post(f"/api/v1/webhooks/{webhook.pk}/deliveries/{dead.pk}/replay/")
    assert (busy.status_code, busy.json()["code"]) == (409, "transition_not_allowed")
    other = EventWebhook.objects.create(url=erp.url, events=["*"], secret=SECRET)
    assert client.post(f"/api/v1/webhooks/{other.pk}/deliveries/{dead.pk}/replay/").status_code == 404


def test_the_test_action_posts_a_signed_event(personas, erp):
    webhook = EventWebhook.objects.create(url=erp.url, events=["*"], secret=SECRET)
    answer = api_as(personas["admin"]).post(f"/api/v1/webhooks/{webhook.pk}/test/").json()
    assert answer == {"delivered": True, "status_code": 200, "error": ""}
    [request] = erp.requests
    assert request.json["event"]["verb"] == "webhook.test"
    assert erp.signature_ok(request)
    # a receiver with another secret refuses it, and the admin is told
    EventWebhook.objects.filter(pk=webhook.pk).update(secret="another-secret-16ch")
    refused = api_as(personas["admin"]).post(f"/api/v1/webhooks/{webhook.pk}/test/").json()
    assert (refused["delivered"], refused["status_code"]) == (False, 401)


def test_api_lists_take_a_fixed_number_of_queries(personas, django_assert_num_queries):
    client = api_as(personas["admin"])
    webhook = EventWebhook.objects.create(url="https://erp.example.com", events=["*"], secret=SECRET)
    deliveries_for(webhook, personas, 1)
    # token, 2 × permissions, count, rows
    with django_assert_num_queries(5):
        assert client.get("/api/v1/webhooks/").json()["count"] == 1
    with django_assert_num_queries(6):  # token, 2 × permissions, webhook, count, rows with their events
        assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()["count"] == 1
    EventWebhook.objects.create(url="https://bi.example.com", events=["*"], secret=SECRET)
    deliveries_for(webhook, personas, 4)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/webhooks/").json()["count"] == 2
    with django_assert_num_queries(6):
        assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()["count"] == 5


# --- pages -------------------------------------------------------------------------------------------


def test_an_admin_adds_a_webhook_through_the_form(client, personas, english):
    client.force_login(personas["admin"])
    page = client.get(reverse("automation:webhook_create"))
    assert b'value="order.confirmed"' in page.content and b'value="*"' in page.content
    response = client.post(
        reverse("automation:webhook_create"),
        {
            "url": "https://erp.example.com/in",
            "events": ["order.confirmed", "payment.received"],
            "secret": SECRET,
            "active": "on",
        },
    )
    assert response.status_code == 302
    webhook = EventWebhook.objects.get()
    assert (webhook.url, webhook.events, webhook.secret, webhook.active) == (
        "https://erp.example.com/in",
        ["order.confirmed", "payment.received"],
        SECRET,
        True,
    )
    # editing with a blank secret keeps it
    client.post(
        reverse("automation:webhook_edit", args=[webhook.pk]), {"url": webhook.url, "events": ["*"], "secret": ""}
    )
    webhook.refresh_from_db()
    assert (webhook.events, webhook.secret, webhook.active) == (["*"], SECRET, False)


def test_the_form_shows_the_services_errors_on_their_fields(client, personas, english):
    client.force_login(personas["admin"])
    response = client.post(
        reverse("automation:webhook_create"), {"url": "javascript:alert(1)", "events": ["*"], "secret": "short"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "url": ["Enter a full URL starting with http:// or https://."],
        "secret": ["Use at least 16 characters."],
    }
    unknown = client.post(
        reverse("automation:webhook_create"),
        {"url": "https://x.example.com", "events": ["order.teleported"], "secret": SECRET},
    )
    assert "events" in unknown.context["form"].errors
    assert not EventWebhook.objects.exists()


@pytest.mark.parametrize("role", ["rep1", "manager1", "boss1"])
def test_the_pages_are_for_administrators_only(client, personas, role):
    webhook = EventWebhook.objects.create(url="https://erp.example.com", events=["*"], secret=SECRET)
    [delivery] = deliveries_for(webhook, personas)
    client.force_login(personas[role])
    for name, args in [
        ("webhook_list", []),
        ("webhook_create", []),
        ("webhook_edit", [webhook.pk]),
        ("webhook_deliveries", []),
    ]:
        assert client.get(reverse(f"automation:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("automation:webhook_delivery_replay", args=[delivery.pk])).status_code == 403
    assert client.post(reverse("automation:webhook_test", args=[webhook.pk])).status_code == 403


def test_the_dead_letter_page_lists_failed_deliveries_and_replays_one(
    client, personas, erp, english, django_capture_on_commit_callbacks
):
    webhook = EventWebhook.objects.create(url=erp.url, events=["*"], secret=SECRET)
    dead, delivered = deliveries_for(webhook, personas, 2)
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=DeliveryStatus.SENT)
    client.force_login(personas["admin"])
    page = client.get(reverse("automation:webhook_deliveries"), {"status": "failed"})
    assert [row.pk for row in page.context["page_obj"]] == [dead.pk]
    assert b"HTTP 500" in page.content and b'data-testid="replay-delivery"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("automation:webhook_delivery_replay", args=[dead.pk]),
            {"next": "/webhooks/deliveries/?status=failed"},
        )
    assert response.url == "/webhooks/deliveries/?status=failed"
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.SENT
    assert [r.headers["X-Gendan-Delivery"] for r in erp.requests] == [str(dead.pk)]


def test_the_list_pages_take_a_fixed_number_of_queries(client, personas):
    client.force_login(personas["admin"])
    webhook = EventWebhook.objects.create(url="https://erp.example.com", events=["*"], secret=SECRET)
    deliveries_for(webhook, personas, 1)
    client.get(reverse("automation:webhook_list"))  # warms the content types and the session
    counts = {}
    for label in ("one", "five"):
        with CaptureQueriesContext(connection) as listed:
            assert client.get(reverse("automation:webhook_list")).status_code == 200
        with CaptureQueriesContext(connection) as logged:
            assert client.get(reverse("automation:webhook_deliveries"), {"status": "failed"}).status_code == 200
        counts[label] = (len(listed.captured_queries), len(logged.captured_queries))
        EventWebhook.objects.create(url="https://bi.example.com", events=["*"], secret=SECRET)
        deliveries_for(webhook, personas, 4)
    assert counts["one"] == counts["five"]
    # list: session, user, 2 × permissions, webhooks with their dead counts; log: the same, count, rows with events
    assert counts["one"] == (5, 6)

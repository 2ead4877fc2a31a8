"""Event webhooks in a browser: an administrator adds one (a private URL refused on its field first), sees its
delivery in the log, and replays the dead letter to a receiver that is well again."""

import pytest
from django.utils import translation

from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.tests import receivers
from gendan.crm.services import customer_create

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "whsec-0123456789abcdef"


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def test_an_admin_adds_a_webhook_sees_its_dead_letter_and_replays_it(live_server, personas, new_page, shot, settings):
    erp = receivers.start("webhook", secret=SECRET)
    try:
        url = live_server.url
        admin = new_page(width=375, height=800)
        log_in(admin, url, "admin", "pw-admin")

        # when: the administrator gives a loopback URL while only public addresses are allowed
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
        admin.goto(f"{url}/webhooks/")
        admin.click("[data-testid=new-webhook]")
        admin.fill("#id_url", erp.url)
        admin.fill("#id_secret", SECRET)
        admin.check('input[name=events][value="*"]')
        admin.click("[data-testid=save-webhook]")
        # then: refused on the URL field, nothing saved
        refusal = admin.locator(".invalid-feedback").first
        assert "127.0.0.1" in refusal.inner_text()
        shot(admin, "private-url-refused")
        assert not EventWebhook.objects.exists()

        # when: the company allows receivers on its own network, the same form saves
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
        admin.fill("#id_secret", SECRET)
        admin.click("[data-testid=save-webhook]")
        admin.wait_for_url(f"{url}/webhooks/")
        webhook = EventWebhook.objects.get()
        assert webhook.url == erp.url

        # given: a customer is created while the receiver is down; the delivery ends as a dead letter
        erp.fail_next(times=1, status=503)
        customer_create(actor=personas["rep1"], name="华东机电")
        delivery = WebhookDelivery.objects.get(webhook=webhook)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6)
        assert len(erp.requests) == 1

        # when: the administrator opens the failed deliveries and replays it
        admin.click("[data-testid=dead-letters]")
        row = admin.locator(f"[data-testid=delivery-row-{delivery.pk}]")
        assert "customer.created" in row.inner_text()
        assert "HTTP 503" in row.inner_text()
        shot(admin, "dead-letter")
        row.locator("[data-testid=replay-delivery]").click()
        admin.wait_for_load_state()

        # then: the receiver got the same delivery id again, signed, and the log says it was sent
        assert [r.headers["X-Gendan-Delivery"] for r in erp.requests] == [str(delivery.pk)] * 2
        assert erp.signature_ok(erp.requests[-1])
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT
        admin.goto(f"{url}/webhooks/deliveries/?webhook={webhook.pk}")
        sent_row = admin.locator(f"[data-testid=delivery-row-{delivery.pk}]")
        assert zh("Sent") in sent_row.inner_text()
        shot(admin, "replayed")
    finally:
        receivers.stop(erp)

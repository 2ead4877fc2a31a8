"""Event webhooks: every committed event fans out to one delivery row per webhook that wants its verb.

At least once, under one id. A worker claims a due row with one conditional UPDATE that
sets a lease (`claimed_until`); only one claim can win, because the UPDATE's WHERE holds only
while the row is pending and due, or its lease has run out. The worker posts the signed
body and records the outcome only if it still holds that very lease. A worker killed between
claiming and recording leaves the lease to run out: the row is due again and is sent again
with the same delivery id. The receiver may thus see one delivery twice, never two ids for
one event and webhook (the unique constraint), and never none: a receiver that remembers
the X-Gendan-Delivery ids it has processed processes each event exactly once.

Notices (channels.py) choose the other way — a row left "sending" is failed, not re-sent —
because a chat robot cannot drop a repeat. Both share the signature and the retry ladder (outgoing.py).
"""

import datetime
import json
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core.models import Event

from .models import DeliveryStatus, EventWebhook, WebhookDelivery
from .outgoing import MAX_ATTEMPTS, DeliveryError, Undeliverable, post_signed, retry_delay

logger = logging.getLogger(__name__)

# Far above the longest a post can take (outgoing.HTTP_TIMEOUT): a lease this old lost its worker.
LEASE = datetime.timedelta(minutes=2)
BATCH_SIZE = 500
# The webhooks' own events (a webhook created, a delivery replayed) are not sent to webhooks:
# a receiver has no business learning other systems' URLs, and a replay must not breed deliveries.
OWN_VERBS = frozenset({"webhook.created", "webhook.changed", "webhook.deleted", "webhook.delivery_replayed"})


def fan_out(event: Event) -> list[int]:
    """Create the deliveries of `event` (idempotent: once per webhook); the ids of those waiting to be sent."""
    if event.verb in OWN_VERBS:
        return []
    webhooks = [webhook for webhook in EventWebhook.objects.filter(active=True) if webhook.wants(event.verb)]
    if not webhooks:
        return []
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=webhook, event=event, next_attempt_at=now) for webhook in webhooks],
        ignore_conflicts=True,
    )
    due = WebhookDelivery.objects.filter(event=event, webhook__in=webhooks, status=DeliveryStatus.PENDING)
    return list(due.values_list("pk", flat=True))


def _due(now: datetime.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def send_due_webhook_deliveries(ids=None) -> dict[str, int]:
    """Send what is due (all of it, or among `ids`): pending rows past their back-off and rows whose lease ran out."""
    now = timezone.now()
    due = WebhookDelivery.objects.filter(_due(now))
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    batch = due.select_related("webhook", "event__actor").order_by("pk")[:BATCH_SIZE]
    return dict(Counter(deliver(delivery) for delivery in batch))


def claim(delivery: WebhookDelivery) -> datetime.datetime | None:
    """Take the row for one attempt; the lease's end if this worker won it, None if another did."""
    now = timezone.now()
    lease = now + LEASE
    won = WebhookDelivery.objects.filter(_due(now), pk=delivery.pk, attempts=delivery.attempts).update(
        status=DeliveryStatus.SENDING, claimed_until=lease, attempts=F("attempts") + 1, updated_at=now
    )
    if not won:
        return None
    delivery.status = DeliveryStatus.SENDING
    delivery.claimed_until = lease
    delivery.attempts += 1
    return lease


def deliver(delivery: WebhookDelivery) -> str:
    """Claim, post and record one delivery: "sent", "retry", "failed" (dead) or "skipped" (claimed elsewhere)."""
    lease = claim(delivery)
    if lease is None:
        return "skipped"
    webhook = delivery.webhook
    try:
        if not webhook.active:
            raise Undeliverable(_("The webhook is switched off."))
        status = post_signed(
            webhook.url, webhook.secret, str(delivery.pk), body_of(delivery), public_only=public_only()
        )
    except DeliveryError as exc:
        return _record_failure(delivery, lease, str(exc), status=exc.status, final=isinstance(exc, Undeliverable))
    except Exception as exc:  # any failure of the outside world is retried, whatever its type
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, exc)
        return _record_failure(delivery, lease, str(exc) or type(exc).__name__)
    _mark_sent(delivery, lease, status)
    return "sent"


def _held(delivery: WebhookDelivery, lease: datetime.datetime):
    # Only the holder of this very lease records: a worker whose lease ran out and was taken over stays silent.
    return WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_until=lease)


def _mark_sent(delivery: WebhookDelivery, lease: datetime.datetime, status: int) -> None:
    now = timezone.now()
    recorded = _held(delivery, lease).update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        next_attempt_at=None,
        claimed_until=None,
        last_status_code=status,
        last_error="",
        updated_at=now,
    )
    if not recorded:
        logger.warning("Webhook delivery %s was sent after its lease had run out.", delivery.pk)


def _record_failure(delivery, lease, error: str, *, status: int | None = None, final: bool = False) -> str:
    now = timezone.now()
    dead = final or delivery.attempts >= MAX_ATTEMPTS
    _held(delivery, lease).update(
        status=DeliveryStatus.FAILED if dead else DeliveryStatus.PENDING,
        next_attempt_at=None if dead else now + retry_delay(delivery.attempts),
        claimed_until=None,
        last_status_code=status,
        last_error=error[:2000],
        updated_at=now,
    )
    return "failed" if dead else "retry"


def webhook_deliveries_purge_old(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete delivery rows past keeping: sent ones after WEBHOOK_DELIVERY_KEEP_DAYS, dead letters after
    WEBHOOK_DEAD_LETTER_KEEP_DAYS since they died (a replay makes one pending again, then sent or dead anew).
    Waiting and sending rows are never touched. The events themselves stay in the event log."""
    now = now or timezone.now()
    return {
        "sent": _purge(
            Q(
                status=DeliveryStatus.SENT,
                sent_at__lt=now - datetime.timedelta(days=settings.WEBHOOK_DELIVERY_KEEP_DAYS),
            )
        ),
        "failed": _purge(
            Q(
                status=DeliveryStatus.FAILED,
                updated_at__lt=now - datetime.timedelta(days=settings.WEBHOOK_DEAD_LETTER_KEEP_DAYS),
            )
        ),
    }


def _purge(old: Q) -> int:
    # In batches of ids, oldest first along the (status, -id) index: one statement never locks months of rows.
    deleted = 0
    while ids := list(WebhookDelivery.objects.filter(old).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return deleted


def body_of(delivery: WebhookDelivery) -> str:
    return _dumps({"id": str(delivery.pk), "event": event_payload(delivery.event)})


def event_payload(event: Event) -> dict:
    payload = {
        "id": event.pk,
        "verb": event.verb,
        "occurred_at": event.occurred_at,
        "object_type": _type_name(event.content_type_id),
        "object_id": event.object_id,
    }
    if event.root_type_id is not None:
        payload.update(root_type=_type_name(event.root_type_id), root_id=event.root_id)
    actor = event.actor
    payload.update(
        actor=None if actor is None else {"id": actor.pk, "username": actor.username, "name": str(actor)},
        changes=event.changes,
        data=event.data,
    )
    return payload


def _type_name(content_type_id: int) -> str:
    # From ContentType's cache: no query per delivery.
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def _dumps(payload: dict) -> str:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)


def event_webhook_send_test(webhook: EventWebhook) -> int:
    """Post a signed test event now (no delivery row); the receiver's HTTP status, or DeliveryError with the reason."""
    delivery_id = f"test-{uuid.uuid4().hex}"
    body = {
        "id": delivery_id,
        "event": {
            "id": None,
            "verb": "webhook.test",
            "occurred_at": timezone.now(),
            "object_type": "automation.eventwebhook",
            "object_id": webhook.pk,
            "actor": None,
            "changes": {},
            "data": {"message": _("If you can read this, events from Gendan reach this URL.")},
        },
    }
    return post_signed(webhook.url, webhook.secret, delivery_id, _dumps(body), public_only=public_only())


def public_only() -> bool:
    """Webhooks reach public addresses only, unless WEBHOOK_ALLOW_PRIVATE_URLS lets them into the company's network."""
    return not settings.WEBHOOK_ALLOW_PRIVATE_URLS

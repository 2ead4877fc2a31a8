"""Sending notices outside the app: e-mail, WeCom / DingTalk / Feishu robots, a signed JSON webhook.

Every NotificationDelivery row goes out at most once. A worker claims a row with one
conditional UPDATE (pending → sending), sends it, then records the outcome:

- sent;
- a failure (an exception, a non-2xx answer, a robot's error code) goes back to pending
  with an exponential back-off, and becomes failed after MAX_ATTEMPTS;
- a row still "sending" SENDING_TIMEOUT after its claim lost its worker between sending and
  recording. Whether the message arrived is unknown, so it is failed with an explanation
  rather than sent again; an operator may re-queue it (the generic webhook carries the
  delivery id, so a receiver can drop a repeat).

No database transaction is held while talking to the outside world.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.parse
import uuid
import zoneinfo
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events

from .models import (
    Channel,
    CustomerMessage,
    DeliveryStatus,
    NotificationDelivery,
    NotificationPreference,
    WebhookEndpoint,
)
from .outgoing import MAX_ATTEMPTS, DeliveryError, Undeliverable, post, post_signed, retry_delay

logger = logging.getLogger(__name__)

# Far above the longest a send can take (outgoing.HTTP_TIMEOUT, an SMTP exchange): a row "sending"
# for longer than this has lost its worker.
SENDING_TIMEOUT = datetime.timedelta(minutes=15)
# Rows per run; the periodic task picks up the rest a minute later.
BATCH_SIZE = 500
# Robot messages stay well inside the platforms' size limits (WeCom: 4096 bytes of markdown).
ROBOT_BODY_CHARS = 1000


@dataclass(frozen=True)
class Message:
    """What every channel sends, in one shape."""

    id: str  # the delivery's id: receivers drop a message they have already seen
    kind: str
    title: str
    body: str
    url: str  # absolute, or empty
    recipient: dict | None
    created_at: datetime.datetime

    @property
    def text(self) -> str:
        return "\n\n".join(part for part in (self.body, self.url) if part)


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's time zone, or the company's when they have none (or a name this system does not know)."""
    for name in (user.time_zone, settings.TIME_ZONE):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def quiet_until(now: datetime.datetime, zone, start: datetime.time, end: datetime.time) -> datetime.datetime | None:
    """The end of the quiet hours `now` falls in (start → end local time, maybe across midnight), else None."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    moment = local.time()
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    end_date = local.date() if moment < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(end_date, end, tzinfo=zone)


# --- the delivery loop -------------------------------------------------------------------------


def send_due_deliveries(ids=None) -> dict[str, int]:
    """Send the deliveries that are due (all of them, or those among `ids`); returns counts per outcome.

    Safe to run in several workers at once and to run twice: each row is claimed before it
    is sent, and only one claim can win.
    """
    now = timezone.now()
    expire_abandoned_deliveries(now=now)
    due = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    batch = list(
        due.select_related("notification__recipient", "endpoint").order_by("next_attempt_at", "pk")[:BATCH_SIZE]
    )
    quiet_hours = _quiet_hours({d.notification.recipient_id for d in batch})
    outcomes = Counter()
    for delivery in batch:
        recipient = delivery.notification.recipient
        hours = quiet_hours.get(recipient.pk)
        until = quiet_until(now, user_zone(recipient), *hours) if hours else None
        if until is not None:
            outcomes[_defer(delivery, until)] += 1
        else:
            outcomes[deliver(delivery, _send)] += 1
    return dict(outcomes)


def expire_abandoned_deliveries(*, now: datetime.datetime, model=NotificationDelivery) -> int:
    """Fail rows whose worker died mid-delivery; they may have arrived, so they are not sent again.

    `model`: any outgoing-message model with the delivery fields (status, attempts, claimed_at, ...).
    """
    return model._default_manager.filter(
        status=DeliveryStatus.SENDING,
        claimed_at__lt=now - SENDING_TIMEOUT,
        # Always true for a claimed row; lets the scan use the partial index on due rows.
        next_attempt_at__lte=now,
    ).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        last_error=_(
            "The worker stopped while sending this message, so it may or may not have arrived. "
            "It is not sent again automatically, to avoid a duplicate; re-queue it if it did not arrive."
        ),
    )


def _quiet_hours(recipient_ids) -> dict[int, tuple[datetime.time, datetime.time]]:
    """Quiet hours live on each person's default ("*") preference."""
    rows = NotificationPreference.objects.filter(
        user_id__in=recipient_ids, kind="*", quiet_start__isnull=False, quiet_end__isnull=False
    ).values_list("user_id", "quiet_start", "quiet_end")
    return {user_id: (start, end) for user_id, start, end in rows}


def _defer(delivery: NotificationDelivery, until: datetime.datetime) -> str:
    NotificationDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(next_attempt_at=until)
    return "deferred"


def deliver(delivery, send) -> str:
    """Claim, send with `send(delivery)` and record the outcome of one outgoing row (a notice, a customer's e-mail)."""
    if not _claim(delivery):
        return "skipped"  # another worker won the claim
    try:
        send(delivery)
    except Undeliverable as exc:
        _record_failure(delivery, str(exc), final=True)
        return "failed"
    except Exception as exc:  # any failure of the outside world is retried, whatever its type
        logger.warning("Delivery of %s %s failed: %s", delivery._meta.model_name, delivery.pk, exc)
        return _record_failure(delivery, str(exc) or type(exc).__name__)
    # Outside the try: if recording fails, the row stays "sending" and is never re-sent.
    _mark_sent(delivery)
    return "sent"


def _claim(delivery) -> bool:
    claimed_at = timezone.now()
    won = (
        type(delivery)
        ._default_manager.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            attempts=delivery.attempts,
            next_attempt_at__lte=claimed_at,
        )
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=claimed_at)
    )
    if won:
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.claimed_at = claimed_at
    return won == 1


def _mark_sent(delivery) -> None:
    recorded = (
        type(delivery)
        ._default_manager.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
        .update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    )
    if not recorded:
        logger.warning("Delivery %s was sent after it had been given up as abandoned.", delivery.pk)


def _record_failure(delivery, error: str, *, final: bool = False) -> str:
    give_up = final or delivery.attempts >= MAX_ATTEMPTS
    fields = {"last_error": error[:2000]}
    if give_up:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        fields.update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now() + retry_delay(delivery.attempts))
    type(delivery)._default_manager.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
    return "failed" if give_up else "retry"


def message_for(delivery: NotificationDelivery) -> Message:
    notification = delivery.notification
    recipient = notification.recipient
    return Message(
        id=str(delivery.pk),
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        url=absolute_url(notification.url),
        recipient={"id": recipient.pk, "username": recipient.username, "name": str(recipient)},
        created_at=notification.created_at,
    )


def _send(delivery: NotificationDelivery) -> None:
    recipient = delivery.notification.recipient
    if not recipient.is_active:
        raise Undeliverable(_("The recipient's account is deactivated."))
    message = message_for(delivery)
    if delivery.channel == Channel.EMAIL:
        if not recipient.email:
            raise Undeliverable(_("The recipient has no e-mail address."))
        send_email(message, recipient.email)
        return
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.is_active:
        raise Undeliverable(_("The webhook is switched off."))
    post_to_endpoint(endpoint, message)


# --- e-mails to customers (催款函) ----------------------------------------------------------


def _send_customer_message(message: CustomerMessage) -> None:
    send_mail(message.subject, message.body, None, message.recipients, fail_silently=False)


def send_due_customer_messages(ids=None) -> dict[str, int]:
    """Send the customers' e-mails that are due (all, or those among `ids`); safe to run in several workers."""
    now = timezone.now()
    expire_abandoned_deliveries(now=now, model=CustomerMessage)
    due = CustomerMessage.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    outcomes = Counter()
    for message in due.select_related("customer").order_by("next_attempt_at", "pk")[:BATCH_SIZE]:
        outcome = deliver(message, _send_customer_message)
        outcomes[outcome] += 1
        if outcome in ("sent", "failed"):
            _put_on_timeline(message, sent=outcome == "sent")
    return dict(outcomes)


def _put_on_timeline(message: CustomerMessage, *, sent: bool) -> None:
    message.refresh_from_db(fields=["last_error"])
    data = {"subject": message.subject, "to": ", ".join(message.recipients)}
    if not sent:
        data["error"] = message.last_error
    events.record(
        None,
        "customer.emailed" if sent else "customer.email_failed",
        message.about or message.customer,
        data=data,
        root=message.customer,
    )


# --- channels ----------------------------------------------------------------------------------


def send_email(message: Message, address: str) -> None:
    # A header cannot hold a line break; titles are one line, but never trust that.
    subject = " ".join(message.title.split())
    send_mail(subject, message.text, None, [address], fail_silently=False)


def post_to_endpoint(endpoint: WebhookEndpoint, message: Message) -> None:
    """Send `message` to a robot or webhook in its platform's format; raises DeliveryError if refused."""
    SENDERS[endpoint.kind](endpoint, message)


def endpoint_send_test(endpoint: WebhookEndpoint) -> None:
    """Send a test message now (not through a delivery row); raises DeliveryError with the reason."""
    post_to_endpoint(
        endpoint,
        Message(
            id=f"test-{uuid.uuid4().hex}",
            kind="test",
            title=_("Test message from Gendan"),
            body=_("If you can read this, notices from Gendan reach %(name)s.") % {"name": endpoint.name},
            url=absolute_url("/"),
            recipient=None,
            created_at=timezone.now(),
        ),
    )


def _clip(text: str, limit: int = ROBOT_BODY_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _markdown(message: Message, heading: str) -> str:
    parts = [heading, _clip(message.body)]
    if message.url:
        parts.append(f"[{_('Open in Gendan')}]({message.url})")
    return "\n\n".join(part for part in parts if part)


def _post_json(url: str, payload: dict) -> dict:
    _status, answer = post(url, json.dumps(payload, ensure_ascii=False).encode())
    try:
        return json.loads(answer)
    except ValueError:
        raise DeliveryError(
            _("The robot answered with something other than JSON: %(answer)s")
            % {"answer": answer[:200].decode("utf-8", "replace")}
        )


def _refused(answer: dict, code_key: str, message_key: str) -> DeliveryError:
    return DeliveryError(
        _("The robot refused the message (%(key)s %(code)s): %(message)s")
        % {"key": code_key, "code": answer.get(code_key), "message": answer.get(message_key, "")}
    )


def _with_query(url: str, params: dict) -> str:
    return url + ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(params)


def _hmac_base64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _send_wecom(endpoint: WebhookEndpoint, message: Message) -> None:
    # WeCom group robot: the key is in the URL; no signature.
    answer = _post_json(
        endpoint.url, {"msgtype": "markdown", "markdown": {"content": _markdown(message, f"**{message.title}**")}}
    )
    if answer.get("errcode") != 0:
        raise _refused(answer, "errcode", "errmsg")


def _send_dingtalk(endpoint: WebhookEndpoint, message: Message) -> None:
    url = endpoint.url
    if endpoint.secret:
        # DingTalk "加签": HMAC-SHA256 keyed with the secret over "<ms timestamp>\n<secret>", base64, in the query.
        timestamp = str(int(timezone.now().timestamp() * 1000))
        sign = _hmac_base64(endpoint.secret, f"{timestamp}\n{endpoint.secret}")
        url = _with_query(url, {"timestamp": timestamp, "sign": sign})
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": _markdown(message, f"#### {message.title}")},
    }
    answer = _post_json(url, payload)
    if answer.get("errcode") != 0:
        raise _refused(answer, "errcode", "errmsg")


def _send_feishu(endpoint: WebhookEndpoint, message: Message) -> None:
    text = "\n".join(part for part in (message.title, _clip(message.body), message.url) if part)
    payload = {"msg_type": "text", "content": {"text": text}}
    if endpoint.secret:
        # Feishu "签名校验": "<s timestamp>\n<secret>" is the HMAC-SHA256 KEY, over an empty message, base64.
        timestamp = str(int(timezone.now().timestamp()))
        payload = {"timestamp": timestamp, "sign": _hmac_base64(f"{timestamp}\n{endpoint.secret}", ""), **payload}
    answer = _post_json(endpoint.url, payload)
    # Current answers carry "code"; older bots answered with "StatusCode".
    code_key = "code" if "code" in answer else "StatusCode"
    if answer.get(code_key) != 0:
        raise _refused(answer, code_key, "msg")


def _send_webhook(endpoint: WebhookEndpoint, message: Message) -> None:
    body = json.dumps(
        {
            "id": message.id,
            "kind": message.kind,
            "title": message.title,
            "body": message.body,
            "url": message.url,
            "recipient": message.recipient,
            "created_at": message.created_at,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    post_signed(endpoint.url, endpoint.secret, message.id, body)


SENDERS = {
    Channel.WECOM: _send_wecom,
    Channel.DINGTALK: _send_dingtalk,
    Channel.FEISHU: _send_feishu,
    Channel.WEBHOOK: _send_webhook,
}

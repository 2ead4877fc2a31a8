"""Event webhooks: configured by administrators; a dead or delivered event can be replayed under its own id."""

import urllib.parse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events as event_log
from gendan.core import verbs
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_perm, text_problems

from .jobs.webhooks import send_webhook_deliveries
from .models import EVERY_EVENT, DeliveryStatus, EventWebhook, WebhookDelivery
from .outgoing import non_public_addresses

SECRET_MIN_LENGTH = 16
URL_MAX_LENGTH = EventWebhook._meta.get_field("url").max_length
SECRET_MAX_LENGTH = EventWebhook._meta.get_field("secret").max_length
MAX_EVENTS = 200


def _url_problems(url) -> list[str]:
    if not isinstance(url, str) or not url.strip():
        return [_("Give the URL the events are posted to.")]
    if len(url.strip()) > URL_MAX_LENGTH:
        return [_("Keep it under %(max)s characters.") % {"max": URL_MAX_LENGTH}]
    try:
        URLValidator(schemes=["http", "https"])(url.strip())
    except ValidationError:
        return [_("Enter a full URL starting with http:// or https://.")]
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        # Checked again at each delivery (outgoing.post): the name may point elsewhere by then.
        parts = urllib.parse.urlsplit(url.strip())
        refused = non_public_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        if refused:
            return [
                _(
                    "This URL leads to a loopback, private or link-local address (%(address)s): webhooks go to "
                    "public addresses only."
                )
                % {"address": refused[0]}
            ]
    return []


def _clean_events(chosen) -> tuple[list[str], list[str]]:
    """The verbs, deduplicated in order (["*"] when every event is chosen), and what is wrong with them."""
    if not isinstance(chosen, list) or not chosen or not all(isinstance(code, str) for code in chosen):
        return [], [_('Choose at least one event, or "*" for every event.')]
    if len(chosen) > MAX_EVENTS:
        return [], [_("Choose at most %(max)s events.") % {"max": MAX_EVENTS}]
    if EVERY_EVENT in chosen:
        return [EVERY_EVENT], []
    unknown = [code for code in chosen if verbs.get(code) is None]
    if unknown:
        return [], [_("Unknown event: %(verbs)s.") % {"verbs": ", ".join(unknown[:10])}]
    return list(dict.fromkeys(chosen)), []


def _cleaned(*, url, events_, secret, secret_required: bool) -> dict:
    errors = {}
    if problems := _url_problems(url):
        errors["url"] = problems
    cleaned_events, problems = _clean_events(events_)
    if problems:
        errors["events"] = problems
    fields = {"url": url.strip() if isinstance(url, str) else url, "events": cleaned_events}
    if secret_required or secret:
        text, problems = text_problems(
            secret, missing=_("Give a signing secret for the receiver to check."), max_length=SECRET_MAX_LENGTH
        )
        if not problems and len(text) < SECRET_MIN_LENGTH:
            problems = [_("Use at least %(min)s characters.") % {"min": SECRET_MIN_LENGTH}]
        if problems:
            errors["secret"] = problems
        fields["secret"] = text
    if errors:
        raise ValidationError(errors)
    return fields


def _snapshot(webhook: EventWebhook) -> dict:
    # Never the secret: the event log is read by more people than may call the receiver.
    return {"url": webhook.url, "events": webhook.events, "active": webhook.active}


@transaction.atomic
def event_webhook_create(*, actor, url, events: list, secret="", active: bool = True) -> EventWebhook:
    require_perm(actor, "automation.add_eventwebhook")
    fields = _cleaned(url=url, events_=events, secret=secret, secret_required=True)
    webhook = EventWebhook.objects.create(**fields, active=bool(active), created_by=actor)
    event_log.record(actor, "webhook.created", webhook, data=_snapshot(webhook))
    return webhook


@transaction.atomic
def event_webhook_update(*, webhook: EventWebhook, actor, url, events: list, active: bool, secret=None) -> EventWebhook:
    """Change a webhook; a blank or missing `secret` keeps the one it has."""
    require_perm(actor, "automation.change_eventwebhook")
    webhook = EventWebhook.objects.select_for_update().get(pk=webhook.pk)
    before = _snapshot(webhook)
    fields = _cleaned(url=url, events_=events, secret=secret, secret_required=False)
    for name, value in fields.items():
        setattr(webhook, name, value)
    webhook.active = bool(active)
    webhook.save()
    event_log.record(
        actor,
        "webhook.changed",
        webhook,
        changes=event_log.diff(before, _snapshot(webhook)),
        data={"secret_changed": "secret" in fields},
    )
    return webhook


@transaction.atomic
def event_webhook_delete(*, webhook: EventWebhook, actor) -> None:
    """The webhook and its delivery log go; the events stay in the event log."""
    require_perm(actor, "automation.delete_eventwebhook")
    webhook = EventWebhook.objects.select_for_update().get(pk=webhook.pk)
    event_log.record(actor, "webhook.deleted", webhook, data=_snapshot(webhook))
    webhook.delete()


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a dead (or delivered) event again under its delivery id, with a fresh retry ladder."""
    require_perm(actor, "automation.change_eventwebhook")
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.SENT):
        raise ApplicationError(
            _("This delivery is still being sent; replay it once it has been delivered or has failed."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": delivery.status},
        )
    before = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.claimed_until = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until", "updated_at"])
    event_log.record(
        actor,
        "webhook.delivery_replayed",
        delivery.webhook,
        data={"delivery": delivery.pk, "event": delivery.event_id, "status": before},
    )
    transaction.on_commit(lambda: send_webhook_deliveries([delivery.pk]))
    return delivery

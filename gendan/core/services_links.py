"""Links that open one record to someone without an account: made, opened, revoked (core.models.PublicLink)."""

import datetime
import hashlib
import secrets

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from .models import PublicLink


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_link_create(*, record, purpose: str, actor, days: int) -> tuple[PublicLink, str]:
    """A new link to `record` for `days` days; returns it and its token, which is kept nowhere else."""
    token = secrets.token_urlsafe(32)
    link = PublicLink.objects.create(
        purpose=purpose,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        token_hash=_hash(token),
        created_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return link, token


# An opening goes on the record's timeline once an hour at most: someone who checks again and again is one visit.
OPENING_RECORDED_EVERY = datetime.timedelta(hours=1)


def public_link_open(*, purpose: str, token: str) -> PublicLink | None:
    """The link `token` opens for `purpose`, its opening counted; None when unknown, expired or revoked.

    The link comes back with `opened_before` (when it was last opened before now, None the first time) and
    `worth_recording`: whether this opening goes on the timeline (the first in OPENING_RECORDED_EVERY).
    """
    now = timezone.now()
    link = PublicLink.objects.filter(
        purpose=purpose, token_hash=_hash(token or ""), expires_at__gt=now, revoked_at__isnull=True
    ).first()
    if link is None:
        return None
    PublicLink.objects.filter(pk=link.pk).update(open_count=F("open_count") + 1, last_opened_at=now)
    link.opened_before = link.last_opened_at
    link.worth_recording = link.opened_before is None or now - link.opened_before >= OPENING_RECORDED_EVERY
    link.open_count += 1
    link.last_opened_at = now
    return link


def public_link_revoke(*, link: PublicLink) -> PublicLink:
    """Closes the link now; opening it afterwards finds nothing."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def links_of(record, purpose: str):
    """The links made to `record` for `purpose`, newest first."""
    content_type = ContentType.objects.get_for_model(record)
    return PublicLink.objects.filter(content_type=content_type, object_id=record.pk, purpose=purpose).order_by(
        "-created_at", "-id"
    )

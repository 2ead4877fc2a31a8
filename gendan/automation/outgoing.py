"""What every message sent to another system shares: the HTTP post, the signature, the retry ladder.

Notices (channels.py) and event webhooks (webhooks.py) both post here, sign their JSON the
same way and wait the same back-off between attempts.
"""

import datetime
import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request

from django.utils import timezone
from django.utils.translation import gettext as _

# Wait after the 1st, 2nd, ... failed attempt; the last step repeats until MAX_ATTEMPTS.
RETRY_DELAYS = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]
MAX_ATTEMPTS = 6
HTTP_TIMEOUT = 10  # seconds per request: a slow receiver must not hold the worker
ANSWER_BYTES = 64 * 1024


class DeliveryError(Exception):
    """The message did not get through; worth another try later. `status`: the receiver's HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Undeliverable(DeliveryError):
    """The message cannot get through whatever we retry (no address, endpoint switched off)."""


def retry_delay(attempts: int) -> datetime.timedelta:
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    """POST `body` as JSON; the receiver's status and answer, or DeliveryError for anything but a 2xx."""
    # urllib also opens file:// and ftp:// URLs; a webhook is HTTP or nothing.
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Undeliverable(_("The webhook's URL must start with http:// or https://."))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Gendan", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read(ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        answer = exc.read(500).decode("utf-8", "replace")
        raise DeliveryError(
            _("HTTP %(status)s from the receiver: %(answer)s") % {"status": exc.code, "answer": answer},
            status=exc.code,
        )
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(
            _("Could not reach %(host)s: %(reason)s") % {"host": urllib.parse.urlsplit(url).netloc, "reason": reason}
        )


def signed_headers(secret: str, delivery_id: str, body: str) -> dict[str, str]:
    """X-Gendan-Delivery, X-Gendan-Timestamp and, with a secret, X-Gendan-Signature (docs/WEBHOOKS.md)."""
    timestamp = str(int(timezone.now().timestamp()))
    headers = {"X-Gendan-Delivery": delivery_id, "X-Gendan-Timestamp": timestamp}
    if secret:
        # The timestamp is signed with the body so a captured request cannot be replayed later.
        headers["X-Gendan-Signature"] = hmac.new(
            secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256
        ).hexdigest()
    return headers


def post_signed(url: str, secret: str, delivery_id: str, body: str) -> int:
    """Post a signed JSON body; the receiver's HTTP status, or DeliveryError."""
    status, _answer = post(url, body.encode(), signed_headers(secret, delivery_id, body))
    return status

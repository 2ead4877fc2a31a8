"""What every message sent to another system shares: the HTTP post, the signature, the retry ladder.

Notices (channels.py) and event webhooks (webhooks.py) both post here, sign their JSON the
same way and wait the same back-off between attempts.
"""

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import socket
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


class PrivateAddress(OSError):
    """The host resolved to a loopback, private, link-local or otherwise non-public address."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses a connection to `host` would try, in order (socket.gaierror when the name is unknown)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def non_public_addresses(host: str, port: int) -> list[str]:
    """What `host` resolves to that is not public; [] also when the name does not resolve (yet)."""
    try:
        return [address for address in resolve(host, port) if not is_public(address)]
    except (OSError, UnicodeError, ValueError):
        return []


def _public_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
    """socket.create_connection to a checked address: the name is resolved once, here, and the connection goes to
    what was checked, so a DNS answer that changes between the check and the connect (rebinding) cannot slip by."""
    host, port = address
    addresses = resolve(host, port)
    refused = [candidate for candidate in addresses if not is_public(candidate)]
    if refused:
        raise PrivateAddress(
            _("%(host)s resolves to a non-public address (%(address)s).") % {"host": host, "address": refused[0]}
        )
    error = None
    for candidate in addresses:
        try:
            return socket.create_connection((candidate, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(_("%(host)s has no address.") % {"host": host})


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    # HTTPSConnection.connect() opens the socket through HTTPConnection.connect(), then checks the certificate
    # against the host name: pinning the address keeps TLS verifying the name.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def retry_delay(attempts: int) -> datetime.timedelta:
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def post(url: str, body: bytes, headers: dict | None = None, *, public_only: bool = False) -> tuple[int, bytes]:
    """POST `body` as JSON; the receiver's status and answer, or DeliveryError for anything but a 2xx.

    `public_only`: connect only to public addresses, checked on every connection (redirects included).
    """
    # urllib also opens file:// and ftp:// URLs; a webhook is HTTP or nothing.
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Undeliverable(_("The webhook's URL must start with http:// or https://."))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Gendan", **(headers or {})},
    )
    opener = (
        urllib.request.build_opener(_PublicHTTPHandler, _PublicHTTPSHandler)
        if public_only
        else urllib.request.build_opener()
    )
    try:
        with opener.open(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read(ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        answer = exc.read(500).decode("utf-8", "replace")
        raise DeliveryError(
            _("HTTP %(status)s from the receiver: %(answer)s") % {"status": exc.code, "answer": answer},
            status=exc.code,
        )
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, PrivateAddress):
            raise Undeliverable(str(reason))
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


def post_signed(url: str, secret: str, delivery_id: str, body: str, *, public_only: bool = False) -> int:
    """Post a signed JSON body; the receiver's HTTP status, or DeliveryError."""
    status, _answer = post(url, body.encode(), signed_headers(secret, delivery_id, body), public_only=public_only)
    return status

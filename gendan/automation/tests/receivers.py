"""Loopback HTTP servers that play WeCom, DingTalk, Feishu and a signed-webhook receiver.

Each checks what it receives the way the real platform does — the signature algorithms
are written here again, independently of gendan.automation.channels — and answers in the
platform's own format, so a wrong signature shows up as a refused delivery.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    raw_query: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """One fake platform on 127.0.0.1. `forced` holds HTTP statuses to answer next, before any checking."""

    platform: str
    secret: str = ""
    delay: float = 0.0
    requests: list = field(default_factory=list)
    forced: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address
        # Real robot URLs carry their key in the query; the signature is appended after it.
        return f"http://{host}:{port}/robot/send?access_token=test-token"

    def fail_next(self, times: int = 1, status: int = 500) -> None:
        self.forced.extend([status] * times)

    def signature_ok(self, request: Received) -> bool:
        return CHECKS[self.platform](self, request)[0]

    def answer(self, request: Received) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append(request)
            forced = self.forced.pop(0) if self.forced else None
        if self.delay:
            time.sleep(self.delay)
        if forced is not None:
            return forced, b'{"error": "forced failure"}'
        status, payload = CHECKS[self.platform](self, request)[1:]
        return status, json.dumps(payload).encode()


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def _check_wecom(receiver, request):
    data = request.json
    ok = data.get("msgtype") == "markdown" and isinstance(data.get("markdown", {}).get("content"), str)
    return ok, 200, {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 40008, "errmsg": "invalid message type"}


def _check_dingtalk(receiver, request):
    # https://open.dingtalk.com — 加签: sign = urlencode(base64(HmacSHA256(key=secret, "<ms>\n<secret>"))).
    timestamp = request.query.get("timestamp", [""])[0]
    sign = request.query.get("sign", [""])[0]  # parse_qs has already url-decoded it
    expected = _b64_hmac(receiver.secret.encode(), f"{timestamp}\n{receiver.secret}".encode())
    fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
    signed = fresh and hmac.compare_digest(sign, expected)
    data = request.json
    shaped = data.get("msgtype") == "markdown" and {"title", "text"} <= set(data.get("markdown", {}))
    if not signed:
        return False, 200, {"errcode": 310000, "errmsg": "sign not match"}
    if not shaped:
        return True, 200, {"errcode": 40035, "errmsg": "missing parameter"}
    return True, 200, {"errcode": 0, "errmsg": "ok"}


def _check_feishu(receiver, request):
    # https://open.feishu.cn — 签名校验: sign = base64(HmacSHA256(key="<s>\n<secret>", message=b"")).
    data = request.json
    timestamp = str(data.get("timestamp", ""))
    expected = _b64_hmac(f"{timestamp}\n{receiver.secret}".encode(), b"")
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 3600
    signed = fresh and hmac.compare_digest(str(data.get("sign", "")), expected)
    if not signed:
        return False, 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour", "data": {}}
    if data.get("msg_type") != "text" or not isinstance(data.get("content", {}).get("text"), str):
        return True, 200, {"code": 9499, "msg": "Bad Request", "data": {}}
    return True, 200, {"code": 0, "msg": "success", "data": {}}


def _check_webhook(receiver, request):
    timestamp = request.headers.get("X-Gendan-Timestamp", "")
    expected = hmac.new(receiver.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    signed = hmac.compare_digest(request.headers.get("X-Gendan-Signature", ""), expected)
    return (signed, 200, {"ok": True}) if signed else (False, 401, {"error": "bad signature"})


CHECKS = {"wecom": _check_wecom, "dingtalk": _check_dingtalk, "feishu": _check_feishu, "webhook": _check_webhook}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        split = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = Received(
            path=split.path,
            raw_query=split.query,
            query=urllib.parse.parse_qs(split.query),
            headers=dict(self.headers.items()),
            body=body,
        )
        status, answer = self.server.receiver.answer(request)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


def delivery_to(recipient, endpoint=None, *, channel=None, kind="task.assigned", **fields):
    """A notice for `recipient` and its delivery row, due now, on `endpoint` (or by e-mail)."""
    from django.utils import timezone

    from gendan.automation.models import Notification, NotificationDelivery

    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=fields.pop("title", "New task: Call Acme"),
        body=fields.pop("body", "Ask about the order."),
        url=fields.pop("url", "/tasks/7/"),
    )
    return NotificationDelivery.objects.create(
        notification=notification,
        channel=channel or endpoint.kind,
        endpoint=endpoint,
        next_attempt_at=fields.pop("next_attempt_at", timezone.now()),
    )


def start(platform: str, secret: str = "", delay: float = 0.0) -> Receiver:
    receiver = Receiver(platform=platform, secret=secret, delay=delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = receiver
    receiver.server = server
    # A short poll interval keeps shutdown (each test's teardown) quick.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()

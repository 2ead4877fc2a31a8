"""Liveness, readiness and metrics: asked by load balancers, orchestrators and Prometheus, without logging in."""

import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import OK, readiness
from .metrics import metrics_text

LOOPBACK = frozenset({"127.0.0.1", "::1"})


@never_cache
@require_safe
def health_live(request):
    """The process answers: nothing else is asked (a database outage must not get every web process restarted)."""
    return JsonResponse({"status": OK})


@never_cache
@require_safe
def health_ready(request):
    checks = readiness()
    ready = all(status == OK for status in checks.values())
    return JsonResponse({"status": OK if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in LOOPBACK


@never_cache
@require_safe
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    body, content_type = metrics_text()
    return HttpResponse(body, content_type=content_type)

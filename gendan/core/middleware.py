import time
import uuid

from .context import client_ip_var, request_id_var
from .custom_fields import definitions_memo
from .metrics import request_observed


class RequestContextMiddleware:
    """Tags each request with an id (echoed as X-Request-ID) and the client's IP for the event log, and gives it its
    own memo of custom field definitions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy sets it.
        ip = request.META.get("REMOTE_ADDR") or None
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(ip)
        try:
            with definitions_memo():
                response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    """Counts and times every request for /metrics (gendan.core.metrics), by its view's name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_observed(request, response.status_code, time.perf_counter() - started)
        return response

"""The project's URLs and error handlers, plus views that fail the ways the handlers answer."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from gendan.urls import handler400, handler403, handler404, handler500, urlpatterns


def refuse(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("tampered")


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/403/", refuse),
    path("test-errors/400/", suspicious),
    path("test-errors/500/", crash),
    path("api/test-errors/500/", crash),
    *urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

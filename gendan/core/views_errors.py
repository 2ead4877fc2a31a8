"""The project's error pages: the site's layout in the reader's language with a way back; JSON under /api/.

Django calls these (gendan.urls handler400/403/404/500, settings.CSRF_FAILURE_VIEW) only with
DEBUG off. The 500 page renders without the request: no context processors, no database, so
that a broken database or a failing context processor cannot break the page that reports it.
"""

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _back_url(request) -> str:
    """The page the reader came from, when it is one of ours; the home page otherwise."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return "/"


def _page(request, status: int, title: str, message: str) -> HttpResponse:
    if _is_api(request):
        # The same shape as DRF's own errors (core/api.py), for routes DRF never saw.
        return JsonResponse({"detail": title}, status=status)
    context = {"status": status, "title": title, "message": message, "back_url": _back_url(request)}
    return render(request, f"{status}.html", context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"), _("The page could not understand this request."))


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request, 403, _("Access denied"), _("Your role may not open this page. Ask your manager if you need it.")
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, 404, _("Page not found"), _("This page does not exist, or the record was deleted or moved."))


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    # No referer here: the back link re-asks for the same page only through history (gendan.js).
    return HttpResponseServerError(loader.get_template("500.html").render({"back_url": "/"}))


def csrf_failure(request, reason=""):
    """A form sent with an expired or missing security token (a page left open over night)."""
    if _is_api(request):
        return JsonResponse({"detail": _("CSRF check failed."), "code": "csrf_failed"}, status=403)
    message = _("The form had expired. Go back, reload the page and send it again; nothing was saved.")
    context = {"status": 403, "title": _("The form has expired"), "message": message, "back_url": _back_url(request)}
    return render(request, "403_csrf.html", context, status=403)

"""What every page opened through a link for people without an account shares (core.services_links)."""

from functools import wraps

from django.views.decorators.cache import never_cache


def link_page(view):
    """Neither cached by a browser or proxy, nor indexed, nor giving the link away in a Referer: the link is the key."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped

"""Saving, updating and deleting a list's view from the list's "Views" menu (accounts/includes/saved_views_menu.html).

Each answers with the list as the view sets it up. A refused save is answered with the save form and
its messages: as a fragment into the menu (HTMX), or as a page of its own without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from gendan.core.errors import ApplicationError

from .saved_views import get as saved_list
from .saved_views import link
from .selectors import saved_views_of
from .services_saved_views import saved_view_create, saved_view_delete, saved_view_update


def _posted(request) -> dict:
    """The save form as posted: the view's name and sharing, and the list's set-up it carries."""
    post = request.POST
    return {
        "list": post.get("list", ""),
        "name": post.get("name", ""),
        "shared": bool(post.get("shared")),
        "query": post.get("query", ""),
        "columns": [name for name in post.get("columns", "").split(",") if name],
    }


def _to_list(request, view):
    url = link(view)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refused(request, draft: dict, exc: Exception):
    if isinstance(exc, ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    else:
        errors = {NON_FIELD_ERRORS: [exc.message]}
    context = {
        "list_name": draft["list"],
        "query": draft["query"],
        "columns": ",".join(draft["columns"]),
        "name": draft["name"],
        "shared": draft["shared"],
        "errors": errors,
        # Field errors the form has no place for (the list, its filters or columns) go above it.
        "general_errors": [
            message for key, found in errors.items() if key not in ("name", "shared") for message in found
        ],
    }
    if request.htmx:
        # Swapped into the menu in place of the form (HTMX swaps only successful answers).
        return render(request, "accounts/includes/saved_view_form.html", context)
    return render(request, "accounts/saved_view_form.html", context, status=400)


@login_required
@require_POST
def saved_view_create_view(request):
    draft = _posted(request)
    try:
        view = saved_view_create(
            actor=request.user,
            list_name=draft["list"],
            name=draft["name"],
            query=draft["query"],
            columns=draft["columns"],
            shared=draft["shared"],
        )
    except (ValidationError, ApplicationError) as exc:
        return _refused(request, draft, exc)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _to_list(request, view)


@login_required
@require_POST
def saved_view_update_view(request, pk):
    """Keeps the list's filters, sort and columns as they are now in one of the reader's views."""
    view = get_object_or_404(saved_views_of(user=request.user), pk=pk)
    draft = _posted(request)
    try:
        view = saved_view_update(view=view, actor=request.user, query=draft["query"], columns=draft["columns"])
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, " ".join(exc.messages if isinstance(exc, ValidationError) else [exc.message]))
    else:
        messages.success(request, _("View “%(name)s” updated.") % {"name": view.name})
    return _to_list(request, view)


@login_required
@require_POST
def saved_view_delete_view(request, pk):
    view = get_object_or_404(saved_views_of(user=request.user), pk=pk)
    try:
        saved_view_delete(view=view, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _to_list(request, view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(saved_list(view.list_name).url_name)

"""The comments panel of a record's page (loaded by HTMX after the page), its forms, and the attached files.

Every view finds the record through `selectors_comments` first: a record out of the reader's sight is a 404,
as its own page is. Files are served only here, never from a public media URL.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors

from . import services_comments as services
from .forms_comments import AttachmentForm, CommentForm
from .selectors_comments import (
    attachment_for,
    attachments_of,
    comment_for,
    comments_of,
    page_of,
    record_for,
)


def _record(request, object_type, object_id):
    try:
        return record_for(request.user, object_type, object_id)
    except ValidationError as exc:
        raise Http404 from exc


def _marked(comments, user):
    for comment in comments:
        comment.editable = services.may_edit(comment, user)
        comment.removable = services.may_remove(comment, user)
    return comments


def _section_context(request, kind, record, *, comment_form=None, file_form=None, error=None):
    comments, older_comments = page_of(comments_of(kind, record))
    files, older_files = page_of(attachments_of(kind, record))
    for attachment in files:
        attachment.removable = services.may_remove(attachment, request.user)
    return {
        "kind": kind,
        "record": record,
        "record_url": kind.url(record),
        "comments": _marked(comments, request.user),
        "older_comments": older_comments,
        "files": files,
        "older_files": older_files,
        "comment_form": comment_form or CommentForm(),
        "file_form": file_form or AttachmentForm(),
        "error": error,
    }


def _section(request, kind, record, *, status=200, **forms):
    context = _section_context(request, kind, record, **forms)
    if request.htmx:
        # Bad input comes back as the redrawn panel with its messages (HTMX swaps only 2xx answers).
        return render(request, "automation/comments/section.html", context)
    return render(request, "automation/comments/page.html", context, status=status)


def _done(request, kind, record):
    if request.htmx:
        return _section(request, kind, record)
    return redirect(f"{kind.url(record)}#comments")


@login_required
@require_http_methods(["GET", "POST"])
def comments_view(request, object_type, object_id):
    """GET: the panel (HTMX) or a page of its own; POST: add a comment."""
    kind, record = _record(request, object_type, object_id)
    if request.method == "GET":
        return _section(request, kind, record)
    return _submitted(
        request,
        kind,
        record,
        CommentForm(request.POST),
        "comment_form",
        lambda data: services.comment_create(actor=request.user, record=record, body=data["body"]),
    )


@login_required
@require_POST
def attachment_upload_view(request, object_type, object_id):
    kind, record = _record(request, object_type, object_id)
    return _submitted(
        request,
        kind,
        record,
        AttachmentForm(request.POST, request.FILES),
        "file_form",
        lambda data: services.attachment_add(actor=request.user, record=record, upload=data["file"]),
    )


def _submitted(request, kind, record, form, form_name: str, act):
    """A posted form: its service called through `act(cleaned_data)`; the panel redrawn once done, or again with the
    form and its errors (a refusal as the panel's message)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            return _section(request, kind, record, status=403, error=exc.message)
        else:
            return _done(request, kind, record)
    return _section(request, kind, record, status=400, **{form_name: form})


@login_required
@require_GET
def older_comments_view(request, object_type, object_id):
    kind, record = _record(request, object_type, object_id)
    comments, older = page_of(comments_of(kind, record), request.GET.get("before"))
    context = {"kind": kind, "record": record, "comments": _marked(comments, request.user), "older_comments": older}
    return render(request, "automation/comments/_comments.html", context)


@login_required
@require_GET
def older_files_view(request, object_type, object_id):
    kind, record = _record(request, object_type, object_id)
    files, older = page_of(attachments_of(kind, record), request.GET.get("before"))
    for attachment in files:
        attachment.removable = services.may_remove(attachment, request.user)
    return render(
        request,
        "automation/comments/_files.html",
        {"kind": kind, "record": record, "files": files, "older_files": older},
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit_view(request, pk):
    comment, kind, record = comment_for(request.user, pk)
    if not services.may_edit(comment, request.user):
        raise Http404
    form = CommentForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(actor=request.user, comment=comment, record=record, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if request.htmx:
                edited = _marked(list(comments_of(kind, record).filter(pk=comment.pk)), request.user)
                return render(request, "automation/comments/_comments.html", {"comments": edited, "kind": kind})
            return redirect(f"{kind.url(record)}#comments")
    context = {"comment": comment, "kind": kind, "record": record, "form": form, "record_url": kind.url(record)}
    template = "automation/comments/_edit.html" if request.htmx else "automation/comments/edit_page.html"
    return render(request, template, context, status=400 if form.errors and not request.htmx else 200)


@login_required
@require_POST
def comment_remove_view(request, pk):
    comment, kind, record = comment_for(request.user, pk)
    try:
        services.comment_remove(actor=request.user, comment=comment, record=record)
    except ApplicationError as exc:
        return _section(request, kind, record, status=403, error=exc.message)
    return _done(request, kind, record)


@login_required
@require_POST
def attachment_remove_view(request, pk):
    attachment, kind, record = attachment_for(request.user, pk)
    try:
        services.attachment_remove(actor=request.user, attachment=attachment, record=record)
    except ApplicationError as exc:
        return _section(request, kind, record, status=403, error=exc.message)
    return _done(request, kind, record)


def _open(field):
    try:
        return field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc


@login_required
@require_GET
def attachment_file_view(request, pk):
    """The file, downloaded under its own name (RFC 5987 filename* for Chinese names); ?inline=1 shows an image or
    a PDF in the browser instead. Nothing else is ever shown inline."""
    attachment, _kind, _record = attachment_for(request.user, pk)
    if attachment.removed_at is not None or not attachment.file:
        raise Http404
    inline = request.GET.get("inline") == "1" and (attachment.is_image or attachment.is_pdf)
    response = FileResponse(
        _open(attachment.file),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_thumbnail_view(request, pk):
    attachment, _kind, _record = attachment_for(request.user, pk)
    if attachment.removed_at is not None or not attachment.thumbnail:
        raise Http404
    response = FileResponse(_open(attachment.thumbnail), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("records/<str:object_type>/<int:object_id>/comments/", comments_view, name="comments"),
    path("records/<str:object_type>/<int:object_id>/comments/older/", older_comments_view, name="comments_older"),
    path("records/<str:object_type>/<int:object_id>/files/", attachment_upload_view, name="attachment_upload"),
    path("records/<str:object_type>/<int:object_id>/files/older/", older_files_view, name="attachments_older"),
    path("comments/<int:pk>/edit/", comment_edit_view, name="comment_edit"),
    path("comments/<int:pk>/remove/", comment_remove_view, name="comment_remove"),
    path("files/<int:pk>/", attachment_file_view, name="attachment_file"),
    path("files/<int:pk>/thumbnail/", attachment_thumbnail_view, name="attachment_thumbnail"),
    path("files/<int:pk>/remove/", attachment_remove_view, name="attachment_remove"),
]

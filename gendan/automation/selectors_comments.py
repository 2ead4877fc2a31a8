"""Reads of comments and attached files, through their record: out of the reader's sight, the record is not found."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from gendan.core.bounds import id_from

from .comments import RECORD_TYPES, RecordType
from .models import Attachment, Comment

# How many comments (and files) a page of the panel or the API shows; older ones a click away.
PAGE_SIZE = 20


def record_for(user, object_type, object_id) -> tuple[RecordType, object]:
    """The record named by type and id if `user` may see it; a field error for a bad name or id, 404 out of sight."""
    kind = RECORD_TYPES.get(object_type) if isinstance(object_type, str) else None
    errors = {}
    if kind is None:
        errors["object_type"] = [_("Choose one of: %(types)s.") % {"types": ", ".join(RECORD_TYPES)}]
    pk = id_from(object_id)
    if pk is None:
        errors["object_id"] = [_("Give the record's id.")]
    if errors:
        raise ValidationError(errors)
    record = kind.visible_to(user).filter(pk=pk).first()
    if record is None:
        raise Http404
    return kind, record


def _kind_of(content_type_id) -> RecordType | None:
    return next((t for t in RECORD_TYPES.values() if t.content_type().pk == content_type_id), None)


def comments_of(kind: RecordType, record):
    """The record's comments, newest first, removed ones included (they show as removed)."""
    people = get_user_model().objects.only("pk", "username", "first_name", "last_name")
    return (
        Comment.objects.filter(content_type=kind.content_type(), object_id=record.pk)
        .select_related("author")
        .prefetch_related(Prefetch("mentions", queryset=people))
        .order_by("-id")
    )


def attachments_of(kind: RecordType, record):
    """The record's files still attached, newest first."""
    return (
        Attachment.objects.filter(content_type=kind.content_type(), object_id=record.pk, removed_at__isnull=True)
        .select_related("uploaded_by")
        .order_by("-id")
    )


def page_of(rows, before=None) -> tuple[list, int | None]:
    """A page of PAGE_SIZE rows older than id `before`, and the id to ask for the next older page (None at the end)."""
    if (pk := id_from(before)) is not None:
        rows = rows.filter(pk__lt=pk)
    page = list(rows[: PAGE_SIZE + 1])
    return page[:PAGE_SIZE], (page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None)


def _with_record(model, user, pk):
    row = model.objects.filter(pk=id_from(pk) or 0).first()
    if row is None or (kind := _kind_of(row.content_type_id)) is None:
        raise Http404
    record = kind.visible_to(user).filter(pk=row.object_id).first()
    if record is None:
        raise Http404
    return row, kind, record


def comment_for(user, pk) -> tuple[Comment, RecordType, object]:
    """One comment with its record, if `user` sees the record; 404 otherwise (never saying it exists)."""
    return _with_record(Comment, user, pk)


def attachment_for(user, pk) -> tuple[Attachment, RecordType, object]:
    """One attached file (removed or not) with its record, if `user` sees the record; 404 otherwise."""
    return _with_record(Attachment, user, pk)

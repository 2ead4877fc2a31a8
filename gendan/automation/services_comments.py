"""Comments with @mentions and attached files on a record. Each function is one transaction and records its event
on the record itself, so it shows on the record's timeline and reaches event webhooks like any change to it.

A mention is `@username` or `@name` (the person's name as the site shows it, without spaces: @张三), as the
comment box's suggestions write it. Mentioning someone who cannot see the record is refused with a field
error rather than dropped: the author learns at once that the person would never read it.
"""

import datetime
import io
import os
import re
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat, Replace
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from PIL import Image, ImageOps

from gendan.accounts.scoping import is_visible
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import required_text
from gendan.crm.services_contracts import FILE_EXTENSIONS, IMAGE_FORMATS, content_matches

from .comments import RecordType, record_type_of
from .models import Attachment, Comment, NotificationKind
from .services import notification_create

COMMENT_MAX_LENGTH = 5000
# More names than this in one comment is a broadcast, not a mention.
MAX_MENTIONS = 20
# A token after @ that is not inside a word (so name@example.com mentions nobody); a final full stop ends a sentence.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
THUMBNAIL_SIZE = (320, 320)
# What each accepted kind of file is served as (the name's claim is checked against the content on upload).
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".ofd": "application/ofd",
    ".rar": "application/vnd.rar",
}
REMOVE_ANY = "automation.remove_any_comment"


# --- mentions ----------------------------------------------------------------------------------


def mention_tokens(body: str) -> list[str]:
    return list(dict.fromkeys(t.rstrip(".") for t in MENTION.findall(body) if t.rstrip(".")))


def _mentioned(body: str, record, actor) -> list:
    """The people `body` mentions (not the author); refused when a name is ambiguous or someone cannot see `record`."""
    tokens = mention_tokens(body)
    if not tokens:
        return []
    if len(tokens) > MAX_MENTIONS:
        raise ValidationError(
            {"body": [_("Mention at most %(count)s people in one comment.") % {"count": MAX_MENTIONS}]}
        )
    people = list(
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(
            compact_name=Replace(
                Concat("first_name", "last_name", output_field=CharField()),
                Value(" "),
                Value(""),
                output_field=CharField(),
            )
        )
        .filter(Q(username__in=tokens) | Q(compact_name__in=tokens))
        .order_by("pk")
    )
    found, problems = [], []
    for token in tokens:
        by_username = [p for p in people if p.username == token]
        by_name = [p for p in people if p.compact_name == token]
        matches = by_username or by_name
        if len(matches) > 1:
            problems.append(
                _("Several people are called %(name)s: mention them by user name (@%(username)s).")
                % {"name": token, "username": matches[0].username}
            )
        elif matches and matches[0] not in found:
            found.append(matches[0])
    kind = record_type_of(record)
    blind = [p for p in found if p.pk != actor.pk and not _sees(p, kind, record)]
    if blind:
        problems.append(
            _("%(names)s cannot see this record: mention only people who can.")
            % {"names": "、".join(str(p) for p in blind)}
        )
    if problems:
        raise ValidationError({"body": problems})
    return [p for p in found if p.pk != actor.pk]


def _sees(user, kind: RecordType, record) -> bool:
    return user.has_perm(kind.view_permission) and is_visible(kind.model.objects, record, user)


def _tell_mentioned(comment: Comment, record, people, actor) -> None:
    kind = record_type_of(record)
    excerpt = comment.body if len(comment.body) <= 200 else comment.body[:199] + "…"
    for person in people:
        # The notice is read later, on channels outside any request: written in the site's language.
        with override(settings.LANGUAGE_CODE):
            title = _("%(author)s mentioned you on %(record)s") % {"author": actor, "record": record}
        notification_create(
            recipient=person,
            kind=NotificationKind.MENTIONED,
            title=title,
            body=excerpt,
            url=f"{kind.url(record)}#comments",
            related=record,
            dedupe_key=f"comment:{comment.pk}:mention:{person.pk}",
        )


# --- comments ----------------------------------------------------------------------------------


def _require_sees(actor, record) -> RecordType:
    kind = record_type_of(record)
    if not _sees(actor, kind, record):
        raise ApplicationError(_("You cannot comment on a record you cannot see."), ErrorCode.PERMISSION_DENIED)
    return kind


@transaction.atomic
def comment_create(*, actor, record, body) -> Comment:
    _require_sees(actor, record)
    text = required_text(body, field="body", missing=_("Write a comment."), max_length=COMMENT_MAX_LENGTH)
    people = _mentioned(text, record, actor)
    comment = Comment.objects.create(
        content_type=record_type_of(record).content_type(), object_id=record.pk, author=actor, body=text
    )
    comment.mentions.set(people)
    events.record(
        actor, "comment.added", record, data={"comment": comment.pk, "mentions": [p.username for p in people]}
    )
    _tell_mentioned(comment, record, people, actor)
    return comment


def _lock(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def can_still_change(comment: Comment, now: datetime.datetime | None = None) -> bool:
    """Whether the author's window for editing or removing it is still open."""
    window = datetime.timedelta(hours=settings.COMMENT_EDIT_HOURS)
    return (now or timezone.now()) < comment.created_at + window


def may_edit(comment: Comment, user) -> bool:
    return comment.removed_at is None and comment.author_id == user.pk and can_still_change(comment)


def may_remove(comment_or_file, user) -> bool:
    if comment_or_file.removed_at is not None:
        return False
    if user.has_perm(REMOVE_ANY):
        return True
    if isinstance(comment_or_file, Comment):
        return comment_or_file.author_id == user.pk and can_still_change(comment_or_file)
    return comment_or_file.uploaded_by_id == user.pk


def _refuse_change(comment: Comment, actor, *, removing: bool) -> None:
    if comment.removed_at is not None:
        raise ApplicationError(_("This comment was removed."), ErrorCode.NOT_EDITABLE)
    if removing and actor.has_perm(REMOVE_ANY):
        return
    if comment.author_id != actor.pk:
        raise ApplicationError(_("Only its author changes a comment."), ErrorCode.PERMISSION_DENIED)
    if not can_still_change(comment):
        raise ApplicationError(
            _("A comment can be changed for %(hours)s hours after it is written.")
            % {"hours": settings.COMMENT_EDIT_HOURS},
            ErrorCode.NOT_EDITABLE,
        )


@transaction.atomic
def comment_edit(*, actor, comment: Comment, record, body) -> Comment:
    _require_sees(actor, record)
    comment = _lock(comment)
    _refuse_change(comment, actor, removing=False)
    text = required_text(body, field="body", missing=_("Write a comment."), max_length=COMMENT_MAX_LENGTH)
    people = _mentioned(text, record, actor)
    if text == comment.body:
        return comment
    before = set(comment.mentions.values_list("pk", flat=True))
    comment.body = text
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    comment.mentions.set(people)
    events.record(actor, "comment.edited", record, data={"comment": comment.pk})
    # Only the people the edit adds are told: the others were told when they were first mentioned.
    _tell_mentioned(comment, record, [p for p in people if p.pk not in before], actor)
    return comment


@transaction.atomic
def comment_remove(*, actor, comment: Comment, record) -> Comment:
    _require_sees(actor, record)
    comment = _lock(comment)
    _refuse_change(comment, actor, removing=True)
    # The text goes: a removed comment shows as removed to everyone, and the API gives nothing of it.
    comment.body = ""
    comment.removed_at = timezone.now()
    comment.removed_by = actor
    comment.save(update_fields=["body", "removed_at", "removed_by"])
    events.record(actor, "comment.removed", record, data={"comment": comment.pk})
    return comment


# --- attached files ----------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """The name to show and download the file as: no folders, no control characters, at most 200 characters.

    Chinese and other letters stay as they are (the download names the file with RFC 5987's filename*).
    """
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = name.strip().strip(".") or "file"
    stem, extension = os.path.splitext(name)
    return stem[: 200 - len(extension)] + extension


def _file_errors(upload) -> list[str]:
    if upload is None:
        return [_("Choose a file.")]
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in FILE_EXTENSIONS:
        return [
            _("Upload a PDF, an image, a Word or Excel document or an archive (%(types)s).")
            % {"types": ", ".join(sorted(e.lstrip(".") for e in FILE_EXTENSIONS))}
        ]
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        return [_("The file is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}]
    if not upload.size:
        return [_("The file is empty.")]
    if not content_matches(upload, extension):
        return [
            _("The file's content is not a %(type)s file: it is damaged, or another kind of file renamed.")
            % {"type": extension.lstrip(".").upper()}
        ]
    return []


def _thumbnail(upload) -> ContentFile | None:
    """A small JPEG of an image (turned as the camera meant), for the list; None when Pillow cannot make one."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
        return ContentFile(out.getvalue(), name="thumbnail.jpg")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)


@transaction.atomic
def attachment_add(*, actor, record, upload) -> Attachment:
    """Store the upload under MEDIA_ROOT (a random name; its own name kept on the row).

    Everything that could refuse it is checked first; a database failure after the file is written leaves
    an unreferenced file, never a row without its file.
    """
    _require_sees(actor, record)
    if problems := _file_errors(upload):
        raise ValidationError({"file": problems})
    name = clean_file_name(upload.name)
    extension = os.path.splitext(name)[1].lower()
    attachment = Attachment(
        content_type=record_type_of(record).content_type(),
        object_id=record.pk,
        name=name,
        size=upload.size,
        content_type_name=CONTENT_TYPES.get(extension, "application/octet-stream"),
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    if extension in IMAGE_FORMATS and (thumbnail := _thumbnail(upload)) is not None:
        attachment.thumbnail.save(thumbnail.name, thumbnail, save=False)
    attachment.save()
    events.record(
        actor, "attachment.added", record, data={"attachment": attachment.pk, "name": name, "size": upload.size}
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment, record) -> Attachment:
    """Off the record's list, on its timeline; the stored files are deleted once the removal commits."""
    _require_sees(actor, record)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.removed_at is not None:
        raise ApplicationError(_("This file was removed."), ErrorCode.NOT_EDITABLE)
    if not may_remove(attachment, actor):
        raise ApplicationError(_("Only whoever attached a file removes it."), ErrorCode.PERMISSION_DENIED)
    stored = [f.name for f in (attachment.file, attachment.thumbnail) if f]
    storage = attachment.file.storage
    attachment.removed_at = timezone.now()
    attachment.removed_by = actor
    attachment.file = ""
    attachment.thumbnail = ""
    attachment.save(update_fields=["removed_at", "removed_by", "file", "thumbnail"])
    events.record(actor, "attachment.removed", record, data={"attachment": attachment.pk, "name": attachment.name})
    transaction.on_commit(lambda: [storage.delete(name) for name in stored], robust=True)
    return attachment

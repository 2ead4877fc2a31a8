"""Comments and attached files on any record people work on (a customer, a deal, an order, ...).

A comment or file hangs off its record by content type and id, like a task; the record types that take
them are listed once in `automation.comments`. Removing keeps the row (its place on the timeline, who
removed it): a removed comment loses its text, a removed file loses its stored file.
"""

import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(pgettext_lazy("record comment", "comment"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = pgettext_lazy("record comment", "comment")
        verbose_name_plural = pgettext_lazy("record comment", "comments")
        ordering = ["-id"]
        permissions = [("remove_any_comment", _("Can remove anyone's comment or attached file"))]
        indexes = [
            # A record's comments, newest first (the panel's page and the API's list).
            models.Index(fields=["content_type", "object_id", "-id"], name="comment_record_idx"),
        ]

    def __str__(self):
        return self.body[:50]


def attachment_path(attachment, filename: str) -> str:
    """Under MEDIA_ROOT, by month, with a random name: the name people gave it is kept on the row, never as a path."""
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"attachments/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200, blank=True)
    # A small JPEG of an image, for the list; empty for other files.
    thumbnail = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type_name = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("attached file")
        verbose_name_plural = _("attached files")
        ordering = ["-id"]
        indexes = [
            # A record's files, newest first.
            models.Index(fields=["content_type", "object_id", "-id"], name="attachment_record_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type_name.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type_name == "application/pdf"

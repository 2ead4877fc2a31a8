"""/api/v1/comments/ and /api/v1/attachments/: what people say about a record and the files they attach to it.

Scope through the record: whoever sees the record (its view permission and `visible_to`) reads and writes its
comments and files. A list or a create names its record (`object_type`, `object_id`; without them 400 — there is
no list of everything); a record out of sight is 404 on a list, a create or a row, as its own page is: the
comments are a part of the record, like an order's instalments (`/orders/{id}/instalments/`).
"""

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.core.api import IdempotentCreateMixin, ServiceViewSet
from gendan.core.bounds import BIGINT_MAX

from . import services_comments as services
from .comments import RECORD_TYPES
from .models import Attachment, Comment
from .selectors_comments import attachment_for, attachments_of, comment_for, comments_of, record_for

RECORD_PARAMETERS = [
    OpenApiParameter("object_type", OpenApiTypes.STR, required=True, enum=list(RECORD_TYPES)),
    OpenApiParameter("object_id", OpenApiTypes.INT, required=True),
]


def _type_names() -> dict[int, str]:
    return {kind.content_type().pk: name for name, kind in RECORD_TYPES.items()}


class _OnRecord(serializers.Serializer):
    object_type = serializers.SerializerMethodField()
    object_id = serializers.IntegerField()

    def get_object_type(self, row) -> str:
        return _type_names()[row.content_type_id]


class RecordCommentSerializer(_OnRecord, serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    mentions = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    removed = serializers.SerializerMethodField(help_text="A removed comment keeps its place; its body is empty.")

    class Meta:
        model = Comment
        fields = ["id", "object_type", "object_id", "body", "author", "mentions", "created_at", "edited_at", "removed"]
        read_only_fields = fields

    def get_removed(self, comment) -> bool:
        return comment.removed_at is not None


class AttachmentSerializer(_OnRecord, serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    content_type = serializers.CharField(source="content_type_name", read_only=True)
    url = serializers.SerializerMethodField(help_text="The file's download, with the same scope as the record.")

    class Meta:
        model = Attachment
        fields = ["id", "object_type", "object_id", "name", "size", "content_type", "url", "uploaded_by", "created_at"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return self.context["request"].build_absolute_uri(reverse("attachment-download", args=[attachment.pk]))


class _RecordInput(serializers.Serializer):
    object_type = serializers.CharField(help_text=f"One of: {', '.join(RECORD_TYPES)}.")
    object_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)


class RecordCommentInputSerializer(_RecordInput):
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Mention people with @username (or @name)."
    )


class RecordCommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class AttachmentInputSerializer(_RecordInput):
    file = serializers.FileField(help_text="multipart/form-data; a PDF, an image, an Office document or an archive.")


class _RecordRowsViewSet(mixins.ListModelMixin, IdempotentCreateMixin, ServiceViewSet):
    """The record decides who reads and writes: any signed-in user, then the record's permission and scope."""

    permission_classes = [IsAuthenticated]

    def _record(self, params):
        return record_for(self.request.user, params.get("object_type"), params.get("object_id"))

    def list(self, request, *args, **kwargs):
        kind, record = self._record(request.query_params)
        page = self.paginate_queryset(self.rows(kind, record))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def render(self, obj, status_code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.fetch(self.request.user, obj.pk)[0]).data, status=status_code)


@extend_schema_view(list=extend_schema(parameters=RECORD_PARAMETERS))
class CommentViewSet(_RecordRowsViewSet):
    serializer_class = RecordCommentSerializer
    create_input_serializer_class = RecordCommentInputSerializer
    fetch = staticmethod(comment_for)

    def get_queryset(self):
        return Comment.objects.none()

    def rows(self, kind, record):
        return comments_of(kind, record)

    def get_object(self):
        return self.fetch(self.request.user, self.kwargs["pk"])[0]

    def perform_create(self, data):
        record = self._record(data)[1]
        return services.comment_create(actor=self.request.user, record=record, body=data["body"])

    @extend_schema(request=RecordCommentEditSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Edit the text (its author, within COMMENT_EDIT_HOURS); the comment is marked edited."""
        comment, _kind, record = self.fetch(request.user, kwargs["pk"])
        data = self.validated_input(RecordCommentEditSerializer)
        return self.render(services.comment_edit(actor=request.user, comment=comment, record=record, **data))

    def destroy(self, request, *args, **kwargs):
        """Remove (its author within COMMENT_EDIT_HOURS, an administrator any time): it stays as "comment removed"."""
        comment, _kind, record = self.fetch(request.user, kwargs["pk"])
        services.comment_remove(actor=request.user, comment=comment, record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(parameters=RECORD_PARAMETERS))
class AttachmentViewSet(_RecordRowsViewSet):
    serializer_class = AttachmentSerializer
    create_input_serializer_class = AttachmentInputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    fetch = staticmethod(attachment_for)

    def get_queryset(self):
        return Attachment.objects.none()

    def rows(self, kind, record):
        return attachments_of(kind, record)

    def get_object(self):
        attachment = self.fetch(self.request.user, self.kwargs["pk"])[0]
        if attachment.removed_at is not None:
            raise Http404
        return attachment

    def perform_create(self, data):
        record = self._record(data)[1]
        return services.attachment_add(actor=self.request.user, record=record, upload=data["file"])

    def destroy(self, request, *args, **kwargs):
        """Remove (whoever attached it, or an administrator); the stored file is deleted."""
        attachment, _kind, record = self.fetch(request.user, kwargs["pk"])
        services.attachment_remove(actor=request.user, attachment=attachment, record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, as an attachment under its own name (filename* for non-ASCII names)."""
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc
        return FileResponse(
            handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type_name
        )

"""What every API endpoint shares: error mapping, permissions, idempotent creates, optimistic locking, timelines.

A viewset here is thin: it validates the shape of the input with an input serializer,
calls one service, and renders the result with the output serializer, re-read through the
same scoped queryset as every other read.
"""

import decimal
import hashlib
import json
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .bounds import too_many_lines
from .errors import ApplicationError, ErrorCode
from .models import Event, IdempotencyKey

# --- errors ------------------------------------------------------------------------------------


def nest_errors(flat: dict) -> dict:
    """Services' flat keys ("lines.1.quantity") in the shape DRF gives nested serializers.

    {"lines.1.quantity": [m]} becomes {"lines": {1: {"quantity": [m]}}}: rows keyed by their
    index, only the rows with errors — DRF's format for `many=True` since 3.18 — so a client
    reads a service's errors exactly as those of DRF's own validation.
    """
    nested: dict = {}
    children: dict[str, dict] = defaultdict(dict)
    for key, messages in flat.items():
        if key == NON_FIELD_ERRORS:
            key = api_settings.NON_FIELD_ERRORS_KEY
        head, _dot, rest = key.partition(".")
        if rest:
            children[head][rest] = messages
        else:
            nested[head] = messages
    for head, sub in children.items():
        value = {int(k) if k.isdigit() else k: v for k, v in nest_errors(sub).items()}
        if head in nested:
            # A message about the list itself beside errors on its rows: DRF has no place for
            # both under one key, so the list's own message goes to the form-wide errors.
            nested.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(nested[head])
        nested[head] = value
    return nested


def _django_messages(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    """One mapping for the whole API: 400 field errors, 403/404, 409 for refused actions.

    Every error body has `detail` (or field keys for 400) and a stable `code`, so clients
    branch on codes, never on translated messages.
    """
    if isinstance(exc, ApplicationError):
        code = status.HTTP_403_FORBIDDEN if exc.code == ErrorCode.PERMISSION_DENIED else status.HTTP_409_CONFLICT
        return Response({**exc.extra, "detail": str(exc.message), "code": str(exc.code)}, status=code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(nest_errors(_django_messages(exc)))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and not isinstance(exc, exceptions.ValidationError)
        and isinstance(response.data, dict)
        and "detail" in response.data
    ):
        response.data["code"] = getattr(response.data["detail"], "code", None) or exc.default_code
    return response


# --- permissions -------------------------------------------------------------------------------


class RolePermission(BasePermission):
    """Reads need the model's view permission; every other action the one the viewset names.

    The service checks the permission again (it is the authority); checking here as well
    answers 403 before validating a body the user may not send at all. A write the
    viewset does not name is refused.
    """

    def has_permission(self, request, view):
        perm = view.required_permission()
        return perm is not None and request.user.has_perm(perm)


# --- documents ---------------------------------------------------------------------------------


class PDFRenderer(BaseRenderer):
    """Lets a client ask for Accept: application/pdf. The PDF itself is returned as it is made;
    what passes through here is an error, written as the JSON every other error is."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


# --- timelines ---------------------------------------------------------------------------------


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "occurred_at",
            "actor",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "data",
            "request_id",
            "ip_address",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        hidden = self.context.get("hidden_fields", ())
        if hidden:
            data["changes"] = {k: v for k, v in data["changes"].items() if k not in hidden}
            data["data"] = {k: v for k, v in data["data"].items() if k not in hidden}
        return data


# --- viewsets ----------------------------------------------------------------------------------

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=str(
        _("Any unique string (a UUID). A retry with the same key returns the first answer and creates nothing new.")
    ),
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=str(_("The record's version (as in its ETag). A stale version is refused with 409 stale_version.")),
)


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: output through `serializer_class`, input through dedicated serializers.

    `action_perms` names the permission each write action needs; reads need the model's
    view permission. `sensitive_fields` maps a field to the permission needed to see it,
    in the record and in its timeline alike.
    """

    permission_classes = [IsAuthenticated, RolePermission]
    action_perms: dict[str, str] = {}
    sensitive_fields: dict[str, str] = {}

    def required_permission(self) -> str | None:
        if self.action in self.action_perms:
            return self.action_perms[self.action]
        # No action: a method the endpoint does not offer, answered 405 to whoever may read it.
        if self.action is None or self.request.method in SAFE_METHODS:
            opts = self.get_queryset().model._meta
            return f"{opts.app_label}.view_{opts.model_name}"
        return None

    def hidden_fields(self) -> set[str]:
        user = self.request.user
        return {field for field, perm in self.sensitive_fields.items() if not user.has_perm(perm)}

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "hidden_fields": self.hidden_fields()}

    def validated_input(self, serializer_class, *, partial=False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def render(self, obj, status_code=status.HTTP_200_OK) -> Response:
        """The record as a read returns it: re-read through the scoped queryset, with its prefetches."""
        return self._respond(self.get_queryset().get(pk=obj.pk), status_code)

    def _respond(self, instance, status_code) -> Response:
        response = Response(self.get_serializer(instance).data, status=status_code)
        if hasattr(instance, "version"):
            # The version as an ETag, so a client can echo it back in If-Match.
            response["ETag"] = f'"{instance.version}"'
        return response


class RetrieveMixin:
    """GET .../{id}/: one record from the scoped queryset (404 outside the user's scope), with its ETag."""

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), status.HTTP_200_OK)


class IdempotentCreateMixin:
    """POST creates through `perform_create(data)`; an Idempotency-Key makes a retry safe.

    The answer is stored in the same transaction as the record it describes, so either
    both exist or neither does. Two requests racing with one key: the loser's insert hits
    the unique constraint, its transaction (and its record) rolls back, and it answers
    what the winner stored. Refused requests store nothing: they created nothing, and a
    retry is answered afresh.
    """

    create_input_serializer_class: type[serializers.Serializer]

    def perform_create(self, data: dict):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self._create(request)
        if len(key) > IdempotencyKey._meta.get_field("key").max_length:
            raise exceptions.ValidationError({"Idempotency-Key": [_("Use at most 255 characters.")]})
        fingerprint = self._fingerprint(request)
        stored = self._stored_answer(request, key, fingerprint)
        if stored is not None:
            return stored
        try:
            with transaction.atomic():
                response = self._create(request)
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_fingerprint=fingerprint,
                    status_code=response.status_code,
                    response_body=response.data,
                )
        except IntegrityError:
            stored = self._stored_answer(request, key, fingerprint)
            if stored is None:
                raise
            return stored
        return response

    def _create(self, request):
        obj = self.perform_create(self.validated_input(self.create_input_serializer_class))
        return self.render(obj, status.HTTP_201_CREATED)

    @staticmethod
    def _fingerprint(request) -> str:
        body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()

    @staticmethod
    def _stored_answer(request, key, fingerprint) -> Response | None:
        stored = IdempotencyKey.objects.filter(user=request.user, key=key, path=request.path).first()
        if stored is None:
            return None
        if stored.request_fingerprint != fingerprint:
            # A reused key with another body is a client bug; replaying the first answer
            # would hide it and drop the second request silently.
            raise ApplicationError(
                _("This Idempotency-Key was already used for a different request. Use a new key."),
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
        return Response(stored.response_body, status=stored.status_code, headers={"Idempotent-Replayed": "true"})


class VersionedUpdateMixin:
    """PUT and PATCH through `perform_update(obj, data, version)`; `version` or If-Match guards against lost edits."""

    update_input_serializer_class: type[serializers.Serializer]

    def perform_update(self, obj, data: dict, version: int | None):
        raise NotImplementedError

    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()
        data = self.validated_input(self.update_input_serializer_class, partial=partial)
        version = data.pop("version", None)
        if version is None:
            version = self._if_match(request)
        return self.render(self.perform_update(obj, data, version))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @staticmethod
    def _if_match(request) -> int | None:
        header = request.headers.get("If-Match", "").strip()
        if not header:
            return None
        value = header.removeprefix("W/").strip('"')
        if not (value.isascii() and value.isdigit()):
            raise exceptions.ValidationError({"If-Match": [_("Send the record's version, e.g. If-Match: 3.")]})
        return int(value)


class EventsMixin:
    """GET .../{id}/events/: the record's timeline, newest first, paginated like any list."""

    def timeline(self, obj):
        """The events shown; a viewset narrows them when part of a record's history is out of the user's sight."""
        return Event.objects.for_object(obj)

    @extend_schema(responses=EventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, *args, **kwargs):
        obj = self.get_object()
        events = self.timeline(obj).select_related("actor", "content_type")
        context = self.get_serializer_context()
        page = self.paginate_queryset(events)
        if page is not None:
            return self.get_paginated_response(EventSerializer(page, many=True, context=context).data)
        return Response(EventSerializer(events, many=True, context=context).data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id resolved only among the records the requesting user may see; any other id "does not exist".

    `scope(queryset, user)` narrows the queryset; by default to `queryset.visible_to(user)`.
    """

    def __init__(self, scope=None, **kwargs):
        self.scope = scope or (lambda queryset, user: queryset.visible_to(user))
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(super().get_queryset(), self.context["request"].user)


class StoredDecimalField(serializers.DecimalField):
    """A model's decimal as DRF renders it; a stored value longer than its column as it is, never a 500.

    SQLite keeps whatever it was given, and DRF rounds in a context as narrow as the column:
    one such row would fail every list that shows it. Every ModelSerializer maps decimal
    model fields here (CoreConfig.ready).
    """

    def to_representation(self, value):
        try:
            return super().to_representation(value)
        except decimal.InvalidOperation:
            return str(value) if getattr(self, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING) else value


class DocumentLinesSerializer(serializers.ListSerializer):
    """A document's lines: more than settings.MAX_DOCUMENT_LINES are refused as {"lines": [...]} before any row is read.

    Set as the `list_serializer_class` of a line input serializer; DRF's own max_length would
    answer under "non_field_errors" and only after its schema knows nothing of the limit.
    """

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > settings.MAX_DOCUMENT_LINES:
            raise exceptions.ValidationError([too_many_lines(settings.MAX_DOCUMENT_LINES)], code="max_length")
        return super().to_internal_value(data)


def version_field():
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you edited (or send If-Match); a stale one is refused with 409."),
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
        "description": "Custom field values by key (GET /api/v1/custom-fields/ lists the keys): text, choice, "
        "number (a decimal string), date (YYYY-MM-DD) or person (a user id).",
    }
)
class CustomValuesField(serializers.JSONField):
    """A record's custom field values: read as stored, written as sent — the record's service checks them."""


def custom_fields_field(*, read_only: bool = False):
    if read_only:
        return CustomValuesField(read_only=True)
    return CustomValuesField(
        required=False,
        help_text=_("Only the keys sent change; null or an empty text clears a value."),
    )

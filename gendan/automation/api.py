"""/api/v1/tasks/ and /api/v1/notifications/: a person's to-do list and inbox.

Scope: a task is its assignee's, its creator's and their leaders' (Task.objects.visible_to);
a notification only its recipient's. Anything else answers 404, never 403.
"""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.accounts.models import User
from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
)
from gendan.core.filters import FilterSet
from gendan.crm.models import Customer
from gendan.sales.models import Order

from .filters import TaskFilter
from .models import Notification, Task, TaskPriority
from .search import TASKS
from .selectors_tasks import notification_list, task_queryset
from .selectors_worklists import followups_due, team_overdue
from .services import notification_mark_read, task_complete, task_create, task_reassign, task_snooze

# --- output ------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    assignee_name = serializers.StringRelatedField(source="assignee")
    record_type = serializers.SerializerMethodField(help_text='The record the task is about, e.g. "sales.order".')
    record_id = serializers.IntegerField(source="object_id", read_only=True, allow_null=True)
    record_repr = serializers.CharField(source="object_repr", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "notes",
            "assignee",
            "assignee_name",
            "record_type",
            "record_id",
            "record_repr",
            "due_at",
            "priority",
            "status",
            "source",
            "rule",
            "rule_name",
            "escalation_level",
            "completed_at",
            "completed_by",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_record_type(self, task) -> str | None:
        if task.content_type_id is None:
            return None
        # Served from ContentType's cache: no query per task.
        ct = ContentType.objects.get_for_id(task.content_type_id)
        return f"{ct.app_label}.{ct.model}"


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "task", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


# --- input -------------------------------------------------------------------------------------


def _active_users():
    return User.objects.filter(is_active=True)


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, help_text="An active user; defaults to you."
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True, help_text="The customer the task is about."
    )
    order = ScopedPrimaryKeyRelatedField(
        queryset=Order.objects.all(), required=False, allow_null=True, help_text="The order the task is about."
    )

    def validate(self, attrs):
        if attrs.get("customer") and attrs.get("order"):
            raise serializers.ValidationError({"order": [_("A task is about one record: send customer or order.")]})
        return attrs


class CompleteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class SnoozeInputSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="The new due time; must be in the future.")


class ReassignInputSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=_active_users())
    reason = serializers.CharField(max_length=200, help_text="Why the task is handed over.")


# --- filters -----------------------------------------------------------------------------------


class NotificationFilter(FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Unread only")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=TaskInputSerializer, responses={201: TaskSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class TaskViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, EventsMixin, ServiceViewSet):
    serializer_class = TaskSerializer
    create_input_serializer_class = TaskInputSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_at", "created_at", "priority", "id"]
    searchable = TASKS
    # Everyone has tasks: the queryset's scope and the services decide, not a role permission.
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return task_queryset(user=self.request.user).order_by("due_at", "id")

    def perform_create(self, data):
        order, customer = data.pop("order", None), data.pop("customer", None)
        return task_create(
            actor=self.request.user,
            assignee=data.pop("assignee", None) or self.request.user,
            related=order or customer,
            **data,
        )

    @extend_schema(request=CompleteInputSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        data = self.validated_input(CompleteInputSerializer)
        return self.render(task_complete(task=task, actor=request.user, note=data["note"]))

    @extend_schema(request=SnoozeInputSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        task = self.get_object()
        data = self.validated_input(SnoozeInputSerializer)
        return self.render(task_snooze(task=task, actor=request.user, until=data["until"]))

    @extend_schema(request=ReassignInputSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        task = self.get_object()
        data = self.validated_input(ReassignInputSerializer)
        task = task_reassign(task=task, actor=request.user, **data)
        # Not re-read through the scope: handing a task over may take it out of the actor's sight.
        return self._respond(Task.objects.select_related("assignee", "rule").get(pk=task.pk), status.HTTP_200_OK)


class NotificationViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(recipient=request.user, notification_ids=[notification.pk])
        return self.render(notification)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read", filter_backends=[])
    def mark_all_read(self, request):
        return Response({"marked": notification_mark_read(recipient=request.user)})


class FollowupsDueViewSet(mixins.ListModelMixin, ServiceViewSet):
    """The caller's tasks about customers due by the end of their today, the most overdue first."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    searchable = TASKS
    permission_classes = [IsAuthenticated]
    queryset = Task.objects.none()  # tells the schema the model; get_queryset gives the rows

    def get_queryset(self):
        return followups_due(user=self.request.user)


class TeamOverdueViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Overdue open tasks of the people the caller oversees (empty for those who oversee nobody)."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    searchable = TASKS
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return team_overdue(user=self.request.user)

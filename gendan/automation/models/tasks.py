"""Tasks: a person's to-do on a record, from a person, a rule or the system, with its deadlines."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.accounts.models import Department
from gendan.accounts.roles import DataScope
from gendan.accounts.scoping import ScopedQuerySet
from gendan.core.models import VersionedModel


class TaskStatus(models.TextChoices):
    # With a context: "Open" alone is already a column of amounts still to collect.
    OPEN = "open", pgettext_lazy("task status", "Open")  # to do; counts towards the assignee's workload
    DONE = "done", _("Done")  # completed by someone, recorded on the record's timeline
    CANCELLED = "cancelled", _("Cancelled")  # no longer needed (e.g. the record moved on)


class TaskSource(models.TextChoices):
    RULE = "rule", _("Rule")
    PERSON = "person", _("Person")
    SYSTEM = "system", _("System")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


def _subtree_ids(root_ids) -> list[int]:
    """The departments `root_ids` and every team below them, one query per level."""
    ids = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


class TaskQuerySet(ScopedQuerySet):
    owner_path = "assignee"

    def visible_to(self, user):
        """A person's own tasks and those they handed out; a leader's also their teams'.

        Not the role's data scope alone: warehouse staff see every order, not everyone's to-do
        list. Leading a department shows the tasks of its members and of every team below it;
        the view_team_tasks permission (managers, executives) shows those within the role's
        data scope.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = models.Q(assignee=user) | models.Q(created_by=user)
        roots = set(Department.objects.filter(leader=user).values_list("pk", flat=True))
        if user.has_perm("automation.view_team_tasks"):
            scope = user.data_scope
            if scope == DataScope.ALL:
                return self
            if scope == DataScope.TEAM and user.department_id is not None:
                condition |= models.Q(assignee__department_id=user.department_id)
            elif scope == DataScope.DEPARTMENT and user.department_id is not None:
                roots.add(user.department_id)
        if roots:
            condition |= models.Q(assignee__department_id__in=_subtree_ids(roots))
        return self.filter(condition)

    def open(self):
        return self.filter(status=TaskStatus.OPEN)


class Task(VersionedModel):
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The record the task is about (a customer, an order, a shipment, ...), if any.
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    source = models.CharField(_("source"), max_length=8, choices=TaskSource.choices, default=TaskSource.PERSON)
    rule = models.ForeignKey(
        "automation.Rule",
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    # Rules fire at least once; this key makes them act at most once per record and occasion.
    dedupe_key = models.CharField(max_length=200, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    # When the "at risk" notice is due (automation.calendar.at_risk_time); cleared once sent.
    at_risk_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        permissions = [("view_team_tasks", _("Can see the team's tasks"))]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="task_unique_dedupe_key"
            ),
        ]
        indexes = [
            # "My tasks": a person's open tasks by due time.
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due_idx"),
            # The escalation scan: open tasks whose next escalation is due.
            models.Index(
                fields=["next_escalation_at"],
                condition=models.Q(status="open", next_escalation_at__isnull=False),
                name="task_escalation_due_idx",
            ),
            # The at-risk scan: open tasks whose warning is due.
            models.Index(
                fields=["at_risk_at"],
                condition=models.Q(status="open", at_risk_at__isnull=False),
                name="task_at_risk_due_idx",
            ),
            # A record's open tasks.
            models.Index(fields=["content_type", "object_id", "status"], name="task_record_idx"),
            # Every task in due order (the all-tasks list, the API's tasks; PostgreSQL's ascending order and SQLite's
            # walk of this index both put the undated last): without it, 50,000 tasks were sorted for each page.
            models.Index(fields=["due_at", "id"], name="task_due_idx"),
        ]

    def __str__(self):
        return self.title

"""Tasks as tables: the worklists (customers to contact today, the team's overdue tasks) and the task list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.tables import ActionsColumn, ListTable, cell, when


def _due(value, now) -> str:
    if value < now:
        late = _("%(time)s overdue") % {"time": timesince(value, now)}
        return format_html('{}<div class="small text-danger">{}</div>', when(value, "Y-m-d H:i"), late)
    return when(value, "Y-m-d H:i")


class FollowupsDueTable(ListTable):
    customer = tables.Column(
        gettext_lazy("Customer"), accessor="object_repr", attrs={"td": {"style": "min-width: 10rem"}}
    )
    task = tables.Column(gettext_lazy("Task"), accessor="title", attrs=cell(td="small"))
    due = tables.Column(gettext_lazy("Due"), accessor="due_at", attrs=cell("text-nowrap"))
    actions = ActionsColumn(attrs=cell("text-end", "text-nowrap"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "followups-due"}
        row_attrs = {"data-testid": "worklist-row"}
        empty_text = gettext_lazy("No customer is due for a follow-up today.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = timezone.now()

    def render_customer(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("crm:customer_detail", args=[record.object_id]), value)

    def render_task(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("automation:task_detail", args=[record.pk]), value)

    def render_due(self, value):
        return _due(value, self.now)

    def render_actions(self, record):
        url = reverse("crm:customer_detail", args=[record.object_id]) + "#followups"
        return format_html('<a class="btn btn-outline-primary btn-sm" href="{}">{}</a>', url, _("Log a follow-up"))


class TaskTable(ListTable):
    task = tables.Column(gettext_lazy("Task"), accessor="title", attrs={"td": {"style": "min-width: 10rem"}})
    assignee = tables.Column(gettext_lazy("Assignee"), attrs=cell("text-nowrap"))
    record = tables.Column(gettext_lazy("Record"), accessor="object_repr", attrs=cell("d-none", "d-md-table-cell"))
    status = tables.Column(gettext_lazy("Status"), attrs=cell("text-nowrap", "d-none", "d-sm-table-cell"))
    due = tables.Column(gettext_lazy("Due"), accessor="due_at", attrs=cell("text-nowrap"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "task-list"}
        row_attrs = {"data-testid": "task-row"}
        empty_text = gettext_lazy("No task matches these filters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = timezone.now()

    def render_task(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("automation:task_detail", args=[record.pk]), value)

    def render_status(self, record):
        return record.get_status_display()

    def render_due(self, value):
        return _due(value, self.now)


class TeamOverdueTable(TaskTable):
    """The task list's columns but the status: every task on it is open and overdue."""

    class Meta(TaskTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "team-overdue"}
        row_attrs = {"data-testid": "worklist-row"}
        empty_text = gettext_lazy("Nobody in your team has an overdue task.")
        exclude = ("status",)

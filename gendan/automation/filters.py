"""The task list's and the webhook delivery log's filters, for their pages and the API alike."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import department_picker, user_picker
from gendan.core.filters import FilterSet
from gendan.core.worklist_lists import yes_or_no

from .models import DeliveryStatus, Task, TaskStatus, WebhookDelivery


class TaskFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt", label=_("Due before"))
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("Due at or after"))
    assignee = django_filters.NumberFilter(field_name="assignee_id", label=_("Assignee"), widget=user_picker())
    team = django_filters.NumberFilter(
        field_name="assignee__department_id", label=_("Assignee's team"), widget=department_picker()
    )
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Overdue"), widget=yes_or_no())

    class Meta:
        model = Task
        fields = ["status", "due_before", "due_after", "assignee", "team", "overdue"]

    def by_overdue(self, queryset, name, value):
        """Open and past its due time now; overdue=false, anything else."""
        late = Q(status=TaskStatus.OPEN, due_at__lt=timezone.now())
        return queryset.filter(late if value else ~late)


class WebhookDeliveryFilter(FilterSet):
    """The delivery log; status=failed is the dead letters."""

    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Status"))
    webhook = django_filters.NumberFilter(field_name="webhook_id", label=_("Webhook"))
    verb = django_filters.CharFilter(field_name="event__verb", label=_("Event"), max_length=64)

    class Meta:
        model = WebhookDelivery
        fields = ["status", "webhook", "verb"]

"""What a follow-up does to tasks, in the transaction that records it (see gendan.core.hooks.on_recorded).

It settles the reminders to get in touch with the customer, whoever logged it, and its next
follow-up date becomes a task for the customer's owner, due by the end of that working day.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TaskSource
from .services import task_create, tasks_settle

# The shipped rules whose open tasks a follow-up answers.
GET_IN_TOUCH_RULES = ["customer_not_contacted_24h", "customer_no_followup_30d"]
NEXT_FOLLOWUP_DUE_TIME = datetime.time(18, 0)


def followup_recorded(event, *, actor, obj) -> None:
    followup = obj
    customer = followup.customer
    kind = followup.get_kind_display()
    tasks_settle(
        record=customer,
        rule_keys=GET_IN_TOUCH_RULES,
        actor=actor,
        note=_("Followed up (%(kind)s).") % {"kind": kind},
    )
    if followup.next_followup_on is None:
        return
    due = datetime.datetime.combine(followup.next_followup_on, NEXT_FOLLOWUP_DUE_TIME)
    summary = followup.outcome or followup.notes
    task_create(
        actor=actor,
        title=_("Follow up with %(customer)s") % {"customer": customer.name},
        notes=_("Last time (%(kind)s): %(summary)s") % {"kind": kind, "summary": summary[:300]},
        # An owner who has left cannot take the task, and that must not refuse the follow-up itself:
        # whoever logged it follows up next, until the customer is handed to someone else.
        assignee=customer.owner if customer.owner.is_active else actor,
        related=customer,
        due_at=timezone.make_aware(due),
        source=TaskSource.PERSON,
        dedupe_key=f"followup:{followup.pk}:next",
    )

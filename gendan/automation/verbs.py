"""What the task and responsibility events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    # A task's events are recorded for the record the task is about, whatever its type.
    verbs.register_many(
        "automation.task",
        {
            "task.created": (_("Task created"), _("created a task")),
            "task.completed": (_("Task completed"), _("completed a task")),
            "task.snoozed": (_("Task snoozed"), _("snoozed a task")),
            "task.reassigned": (_("Task handed over"), _("handed over a task")),
            "task.cancelled": (_("Task cancelled"), _("cancelled a task")),
            "task.escalated": (_("Overdue task escalated"), _("escalated an overdue task")),
            "task.at_risk": (_("Task at risk of missing its deadline"), _("a task is at risk of missing its deadline")),
        },
        also_for=(verbs.ANY_RECORD,),
    )
    # An e-mail a rule wrote to a customer, about one of their records (an invoice).
    verbs.register_many(
        "crm.customer",
        {
            "customer.emailed": (_("Customer e-mailed"), _("e-mailed the customer")),
            "customer.email_failed": (_("E-mail to the customer failed"), _("could not e-mail the customer")),
        },
        also_for=(verbs.ANY_RECORD,),
    )
    # Comments and files are recorded on the record they are about, whatever its type.
    verbs.register_many(
        "automation.comment",
        {
            "comment.added": (_("Comment added"), _("commented")),
            "comment.edited": (_("Comment edited"), _("edited a comment")),
            "comment.removed": (_("Comment removed"), _("removed a comment")),
            "attachment.added": (_("File attached"), _("attached a file")),
            "attachment.removed": (_("Attached file removed"), _("removed an attached file")),
        },
        also_for=(verbs.ANY_RECORD,),
    )
    verbs.register(
        "responsibility.changed",
        _("Stage handed over"),
        "automation.responsibility",
        activity=_("handed over a stage"),
        also_for=(verbs.ANY_RECORD,),
    )
    verbs.register_many(
        "automation.eventwebhook",
        {
            "webhook.created": (_("Webhook added"), _("added a webhook")),
            "webhook.changed": (_("Webhook changed"), _("changed a webhook")),
            "webhook.deleted": (_("Webhook deleted"), _("deleted a webhook")),
            "webhook.delivery_replayed": (_("Webhook delivery replayed"), _("replayed a webhook delivery")),
        },
    )

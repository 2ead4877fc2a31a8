"""Template helpers shared by every page: sortable headers and the event timeline."""

import math

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# What each event verb means, in words. A verb missing here is shown as recorded.
VERB_LABELS = {
    "customer.created": _("created the customer"),
    "customer.updated": _("edited the customer"),
    "contact.created": _("added a contact"),
    "address.created": _("added an address"),
    "order.created": _("created the order"),
    "order.updated": _("edited the order"),
    "order.submitted": _("submitted the order"),
    "order.confirmed": _("confirmed the order"),
    "order.approved": _("approved the order"),
    "order.rejected": _("rejected the order"),
    "order.cancelled": _("cancelled the order"),
    "order.held": _("put the order on hold"),
    "order.resumed": _("resumed the order"),
    "order.partially_shipped": _("order partially shipped"),
    "order.shipped": _("order shipped in full"),
    "order.delivered": _("order delivered"),
    "order.closed": _("closed the order"),
    "shipment.created": _("created a shipment"),
    "shipment.shipped": _("shipped"),
    "shipment.delivered": _("recorded the delivery"),
    "shipment.cancelled": _("cancelled a shipment"),
    "invoice.created": _("created an invoice"),
    "invoice.issued": _("issued an invoice"),
    "invoice.paid": _("invoice paid in full"),
    "payment.received": _("recorded a payment"),
    "payment.allocated": _("allocated a payment"),
    "warehouse.created": _("created the warehouse"),
    "stock.receipt": _("received stock"),
    "stock.adjustment": _("adjusted stock"),
    "task.created": _("created a task"),
    "task.completed": _("completed a task"),
    "task.snoozed": _("snoozed a task"),
    "task.reassigned": _("handed over a task"),
    "task.cancelled": _("cancelled a task"),
    "task.escalated": _("escalated an overdue task"),
    "task.at_risk": _("a task is at risk of missing its deadline"),
    "responsibility.changed": _("handed over a stage"),
    "customer.assigned": _("assigned the customer by rule"),
    "followup.created": _("recorded a follow-up"),
    "meeting.scheduled": _("scheduled a meeting"),
    "meeting.updated": _("changed a meeting"),
    "meeting.held": _("held a meeting"),
    "meeting.cancelled": _("cancelled a meeting"),
    "contract.created": _("created a contract"),
    "contract.updated": _("edited a contract"),
    "contract.activated": _("put a contract in force"),
    "contract.terminated": _("terminated a contract"),
    "contract.expired": _("a contract expired"),
    "lead.created": _("created the lead"),
    "lead.updated": _("edited the lead"),
    "lead.contacted": _("contacted the lead"),
    "lead.converted": _("converted the lead into a customer"),
    "lead.disqualified": _("disqualified the lead"),
    "lead.assigned": _("assigned the lead by rule"),
    "opportunity.created": _("opened an opportunity"),
    "opportunity.updated": _("edited an opportunity"),
    "opportunity.stage_changed": _("moved an opportunity to another stage"),
    "order.assigned": _("assigned the order by rule"),
    "quotation.created": _("created the quotation"),
    "quotation.updated": _("edited the quotation"),
    "quotation.sent": _("sent the quotation to the customer"),
    "quotation.superseded": _("replaced the quotation with a new version"),
    "quotation.accepted": _("recorded the customer's acceptance of the quotation"),
    "quotation.rejected": _("recorded the customer's rejection of the quotation"),
    "quotation.expired": _("the quotation expired"),
}

# Free-text data worth showing under an event (a rejection's comment, a hold's reason).
NOTE_KEYS = ("comment", "reason", "signed_by", "note")


@register.filter
def event_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)


@register.simple_tag
def event_changes(event) -> list[tuple[str, object, object]]:
    """(field label, old, new) for each change, with choice values shown by their label."""
    # get_for_id is served from ContentType's cache: no query per event.
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    rows = []
    for name, (old, new) in event.changes.items():
        label, display = name, (lambda v: v)
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        if field is not None:
            label = field.verbose_name
            choices = dict(field.flatchoices)
            if choices:
                display = lambda v, choices=choices: choices.get(v, v)  # noqa: E731
        rows.append((label, display(old), display(new)))
    return rows


@register.simple_tag
def event_notes(event) -> list[str]:
    return [str(event.data[key]) for key in NOTE_KEYS if event.data.get(key)]


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label) -> str:
    """A column header that sorts by `key`, flipping direction when already sorted by it."""
    request = context["request"]
    current = context.get("sort", "")
    descending = current == f"-{key}"
    active = current.removeprefix("-") == key
    params = request.GET.copy()
    params["sort"] = key if descending or not active else f"-{key}"
    params.pop("page", None)
    icon = ""
    if active:
        icon = "bi-caret-down-fill" if descending else "bi-caret-up-fill"
    return format_html(
        '<a class="text-reset text-decoration-none" href="?{}">{}{}</a>',
        params.urlencode(),
        label,
        format_html(' <i class="bi {}" aria-hidden="true"></i>', icon) if icon else "",
    )


@register.filter
def whole_minutes(duration) -> int:
    """A timedelta in minutes, rounded up: a lock of 14.5 minutes is not over after 14."""
    return math.ceil(duration.total_seconds() / 60)

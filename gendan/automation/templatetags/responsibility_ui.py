"""The "responsible per stage" panel on a record's page."""

from django import template
from django.urls import reverse

from gendan.accounts.lookups import user_picker

from ..responsibility import responsibility_overview

register = template.Library()


@register.inclusion_tag("automation/responsibility/_panel.html", takes_context=True)
def responsibility_panel(context, record):
    user = context["request"].user
    meta = record._meta
    overview = responsibility_overview(record)
    may_edit = user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
    # Without the right to edit the record, a person hands over only the stages they hold.
    stages = [s for s in overview["stages"] if may_edit or (s["current"] and s["current"].user_id == user.pk)]
    # Picked by name as people type: a company's whole staff is no list to send with every record's page.
    person_field = (
        user_picker().render(
            "user", None, attrs={"id": "handover-user", "class": "form-control form-control-sm", "required": True}
        )
        if stages
        else ""
    )
    return {
        "overview": overview,
        "handover_stages": stages,
        "person_field": person_field,
        "csrf_token": context.get("csrf_token"),
        "action_url": reverse(
            "automation:responsibility_handover", args=[f"{meta.app_label}.{meta.model_name}", record.pk]
        ),
    }

"""The "responsible per stage" panel on a record's page."""

from django import template
from django.urls import reverse

from gendan.accounts.models import User

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
    people = list(User.objects.filter(is_active=True).order_by("username")) if stages else []
    return {
        "overview": overview,
        "handover_stages": stages,
        "people": people,
        "csrf_token": context.get("csrf_token"),
        "action_url": reverse(
            "automation:responsibility_handover", args=[f"{meta.app_label}.{meta.model_name}", record.pk]
        ),
    }

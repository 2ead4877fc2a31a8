"""A rule's fields checked against the models they name: field-keyed errors, all at once."""

import re

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.automation import conditions as cond
from gendan.automation.models import RuleTrigger, TaskPriority
from gendan.core.services import row_errors

from .placeholders import check_template
from .recipients import check_recipient
from .records import RECORD_TYPES, model_for

# A rule fires within ten years of its event or date; beyond that a shifted time leaves the calendar.
MAX_OFFSET_MINUTES = 10 * 366 * 24 * 60
MAX_HOURS = 10 * 366 * 24
VERB_RE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
ACTION_TYPES = {
    "create_task": gettext_lazy("Create a task"),
    "notify": gettext_lazy("Send a notification"),
    "set_responsible": gettext_lazy("Make someone responsible for a stage"),
    "email_customer": gettext_lazy("E-mail the customer"),
}
RULE_FIELDS = [
    "name",
    "description",
    "trigger",
    "target_model",
    "event_verb",
    "unless_verbs",
    "date_field",
    "offset_minutes",
    "business_hours",
    "conditions",
    "actions",
    "escalation_hours",
]


def _has_customer(model) -> bool:
    if model._meta.label_lower == "crm.customer":
        return True
    try:
        return model._meta.get_field("customer").related_model._meta.label_lower == "crm.customer"
    except (FieldDoesNotExist, AttributeError):
        return False


def _check_email(row: dict, model) -> tuple[dict, dict]:
    """An e-mail to the customer: a subject and a message (the company's template), to whoever the record is of."""
    problems = {}
    title, body = (row.get("title") or "").strip(), (row.get("body") or "").strip()
    if model is not None and not _has_customer(model):
        problems["type"] = [_("A %(model)s has no customer to write to.") % {"model": model._meta.verbose_name}]
    if not title:
        problems["title"] = [_("Give the e-mail a subject.")]
    elif message := check_template(title):
        problems["title"] = message
    if not body:
        problems["body"] = [_("Write the message the customer gets.")]
    elif message := check_template(body):
        problems["body"] = message
    return {"type": "email_customer", "title": title, "body": body}, problems


def _check_actions(rows, model=None) -> list[dict]:
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"actions": [_("Add at least one action.")]})
    cleaned, errors = [], []
    for row in rows:
        problems = {}
        row = row if isinstance(row, dict) else {}
        kind = row.get("type")
        if kind not in ACTION_TYPES:
            problems["type"] = [_("Choose what the rule does.")]
            errors.append(problems)
            continue
        if kind == "email_customer":
            item, problems = _check_email(row, model)
            errors.append(problems)
            cleaned.append(item)
            continue
        recipient_key = "assignee" if kind == "create_task" else "recipient"
        recipient = (row.get(recipient_key) or "").strip()
        if message := check_recipient(recipient):
            problems[recipient_key] = message
        if kind == "set_responsible":
            stage = (row.get("stage") or "").strip()
            if not stage:
                problems["stage"] = [_("Choose the stage.")]
            errors.append(problems)
            cleaned.append({"type": kind, "recipient": recipient, "stage": stage})
            continue
        title = (row.get("title") or "").strip()
        if not title:
            problems["title"] = [_("Give it a title.")]
        elif message := check_template(title):
            problems["title"] = message
        item = {"type": kind, recipient_key: recipient, "title": title}
        if kind == "create_task":
            hours = row.get("due_in_hours")
            if hours in (None, ""):
                hours = None
            else:
                try:
                    hours = float(hours)
                    if not 0 <= hours <= MAX_HOURS:
                        raise ValueError
                except (TypeError, ValueError):
                    problems["due_in_hours"] = [_("Enter a number of hours, zero or more.")]
            priority = row.get("priority") or TaskPriority.NORMAL
            if priority not in TaskPriority.values:
                problems["priority"] = [_("Choose a priority.")]
            item.update(due_in_hours=hours, priority=priority)
        else:
            body = row.get("body") or ""
            if message := check_template(body):
                problems["body"] = message
            item["body"] = body
        errors.append(problems)
        cleaned.append(item)
    if any(errors):
        raise row_errors("actions", errors)
    return cleaned


def _check_verb(verb, key: str, errors: dict) -> None:
    if not verb:
        errors[key] = [_("Choose the event.")]
    elif not VERB_RE.match(verb):
        errors[key] = [_("An event is written like order.submitted; “%(verb)s” is not.") % {"verb": verb}]


def clean_rule(fields: dict) -> dict:
    """Every field of a rule checked against the models it names; field-keyed errors, all at once."""
    data = {name: fields.get(name) for name in RULE_FIELDS}
    errors = {}
    data["name"] = (data["name"] or "").strip()
    if not data["name"]:
        errors["name"] = [_("Give the rule a name.")]
    data["description"] = data["description"] or ""
    if data["trigger"] not in RuleTrigger.values:
        errors["trigger"] = [_("Choose when the rule runs.")]
    model = None
    if data["target_model"] not in RECORD_TYPES:
        errors["target_model"] = [_("Choose a record type.")]
    else:
        model = model_for(data["target_model"])
    trigger = data["trigger"]
    data["event_verb"] = (data["event_verb"] or "").strip()
    data["date_field"] = (data["date_field"] or "").strip()
    try:
        data["offset_minutes"] = int(data["offset_minutes"] or 0)
        if abs(data["offset_minutes"]) > MAX_OFFSET_MINUTES:
            raise ValueError
    except (TypeError, ValueError):
        errors["offset_minutes"] = [_("Choose a time within ten years of the event or date.")]
        data["offset_minutes"] = 0
    data["business_hours"] = bool(data["business_hours"])
    unless = data["unless_verbs"] or []
    if isinstance(unless, str):
        unless = [v.strip() for v in unless.split(",") if v.strip()]
    data["unless_verbs"] = unless
    if trigger in (RuleTrigger.EVENT, RuleTrigger.AFTER_EVENT):
        _check_verb(data["event_verb"], "event_verb", errors)
        data["date_field"] = ""
    if trigger == RuleTrigger.EVENT:
        data["offset_minutes"], data["unless_verbs"] = 0, []
    if trigger == RuleTrigger.AFTER_EVENT:
        if data["offset_minutes"] <= 0:
            errors["offset_minutes"] = [_("Say how long after the event the rule checks.")]
        for verb in unless:
            if not VERB_RE.match(verb):
                errors["unless_verbs"] = [
                    _("An event is written like order.approved; “%(verb)s” is not.") % {"verb": verb}
                ]
    if trigger == RuleTrigger.DATE:
        data["event_verb"], data["unless_verbs"] = "", []
        if not data["date_field"]:
            errors["date_field"] = [_("Choose the date the rule counts from.")]
        elif model is not None:
            try:
                field = model._meta.get_field(data["date_field"])
            except FieldDoesNotExist:
                field = None
            if not isinstance(field, models.DateField):
                errors["date_field"] = [
                    _("%(model)s has no date field “%(name)s”.")
                    % {"model": model._meta.verbose_name, "name": data["date_field"]}
                ]
    if model is not None:
        try:
            data["conditions"] = cond.validate_conditions(model, data["conditions"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if trigger == RuleTrigger.DATE and cond.has_event_conditions(data["conditions"]):
            errors["conditions"] = [_("Only a rule run by an event can look at the event (event:…).")]
    try:
        data["actions"] = _check_actions(data["actions"], model)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    steps = data["escalation_hours"] or []
    try:
        steps = [float(h) for h in (steps.split(",") if isinstance(steps, str) else steps) if str(h).strip()]
        if any(not 0 < h <= MAX_HOURS for h in steps) or steps != sorted(steps):
            raise ValueError
        data["escalation_hours"] = [int(h) if h == int(h) else h for h in steps]
    except (TypeError, ValueError):
        errors["escalation_hours"] = [_("Enter rising numbers of hours after the due time, e.g. 2, 8, 24.")]
    if errors:
        raise ValidationError(errors)
    return data

"""A rule as one sentence in the reader's language: what starts it, what must hold, what it does.

Everything a rule stores as a code is shown by its name: events by the label their app
registered (core.verbs), fields by their verbose name, choice values by their label, people by
their name, roles by theirs. People and related records are looked up once for all the rules
of a page (`RuleDescriber(rules)`), so a list of rules costs at most one query per kind of record.
"""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gendan.accounts.roles import Role
from gendan.automation import conditions as cond
from gendan.automation.models import Rule, RuleTrigger
from gendan.automation.responsibility import stage_label
from gendan.core import verbs
from gendan.core.bounds import id_from

from .records import RECORD_TYPES, model_for

MINUTES_PER = {"day": 24 * 60, "hour": 60}


def duration_text(minutes: float) -> str:
    """A length of time in its largest whole unit: "4 hours", "30 days", "90 minutes"."""
    minutes = abs(minutes)
    if minutes and minutes % MINUTES_PER["day"] == 0:
        days = int(minutes // MINUTES_PER["day"])
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    if minutes % MINUTES_PER["hour"] == 0:
        hours = int(minutes // MINUTES_PER["hour"])
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    count = int(minutes) if minutes == int(minutes) else minutes
    return ngettext("%(count)s minute", "%(count)s minutes", count) % {"count": count}


def join_or(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s or %(last)s") % {"items": _(", ").join(items[:-1]), "last": items[-1]}


def record_type_label(label: str) -> str:
    return str(RECORD_TYPES.get(label) or label)


def field_path_label(model, path: str) -> str:
    """The verbose names along a field path ("customer__region" → "customer › region")."""
    names, current = [], model
    for name in path.split("__"):
        try:
            field = current._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            names.append(name)
            break
        names.append(str(field.verbose_name))
        current = field.related_model
    return " › ".join(names)


def _user_field(field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


class RuleDescriber:
    """Sentences for some rules, with the people and records their conditions and actions name loaded at once."""

    def __init__(self, rules: list[Rule]):
        wanted = defaultdict(set)
        for rule in rules:
            for spec in _recipient_specs(rule):
                kind, _sep, value = spec.partition(":")
                if kind == "user" and (user_id := id_from(value)):
                    wanted[get_user_model()].add(user_id)
            for condition in self._compiled(rule):
                if condition.field.is_relation:
                    values = condition.value if isinstance(condition.value, list) else [condition.value]
                    wanted[condition.field.related_model].update(v for v in values if v is not None)
        self.objects = {model: model._default_manager.in_bulk(list(pks)) for model, pks in wanted.items() if pks}

    @staticmethod
    def _compiled(rule: Rule) -> list[cond.Condition]:
        try:
            return cond.compile_conditions(model_for(rule.target_model), rule.conditions)
        except (LookupError, ValueError, TypeError, ValidationError):
            return []

    # The parts

    def trigger(self, rule: Rule) -> str:
        event = verbs.label(rule.event_verb).lower() if rule.event_verb else ""
        if rule.trigger == RuleTrigger.EVENT:
            return _("When: %(event)s") % {"event": event}
        if rule.trigger == RuleTrigger.AFTER_EVENT:
            if rule.business_hours:
                text = _("%(duration)s (business hours) after %(event)s") % {
                    "duration": duration_text(rule.offset_minutes),
                    "event": event,
                }
            else:
                text = _("%(duration)s after %(event)s") % {
                    "duration": duration_text(rule.offset_minutes),
                    "event": event,
                }
            if rule.unless_verbs:
                unless = join_or([verbs.label(v).lower() for v in rule.unless_verbs])
                text = _("%(when)s, unless meanwhile: %(events)s") % {"when": text, "events": unless}
            return text
        return self._date_trigger(rule)

    def _date_trigger(self, rule: Rule) -> str:
        try:
            model = model_for(rule.target_model)
            field = model._meta.get_field(rule.date_field)
            date_name = _("%(record)s’s %(field)s") % {
                "record": model._meta.verbose_name,
                "field": field.verbose_name,
            }
        except (LookupError, FieldDoesNotExist):
            field, date_name = None, rule.date_field
        values = {"date": date_name, "duration": duration_text(rule.offset_minutes)}
        if rule.offset_minutes < 0:
            return _("%(duration)s before the %(date)s") % values
        if rule.offset_minutes > 0:
            return _("%(duration)s after the %(date)s") % values
        if isinstance(field, models.DateTimeField) or field is None:
            return _("When the %(date)s comes") % values
        return _("When the day of the %(date)s is over") % values

    def conditions(self, rule: Rule) -> str:
        model = model_for(rule.target_model) if rule.target_model in RECORD_TYPES else None
        parts = []
        for row in rule.conditions or []:
            parts.append(self._condition(model, row))
        return _(" and ").join(parts)

    def _condition(self, model, row: dict) -> str:
        path, op, value = row.get("field") or "", row.get("op") or "", row.get("value")
        on_event = path.startswith(cond.EVENT_PREFIX)
        own_path = path.removeprefix(cond.EVENT_PREFIX)
        field = None
        if model is not None:
            try:
                field = cond.resolve_field(model, own_path)
            except ValidationError:
                field = None
        name = field_path_label(model, own_path) if model is not None else own_path
        if on_event:
            name = _("%(field)s set by the event") % {"field": name}
        operator = str(cond.OPERATORS.get(op, op))
        if op in cond.NO_VALUE_OPS:
            return f"{name} {operator}"
        values = value if isinstance(value, list) else [value]
        shown = _(", ").join(self.value_text(field, v) for v in values)
        return f"{name} {operator} {shown}"

    def value_text(self, field, value) -> str:
        """A stored condition value as a reader knows it: a choice's label, a person's name, a local date."""
        if field is None or value is None:
            return "" if value is None else str(value)
        if field.is_relation:
            target = field.target_field
            try:
                key = target.to_python(value)
            except ValidationError:
                return str(value)
            found = self.objects.get(field.related_model, {}).get(key)
            return str(found) if found is not None else _("(deleted) #%(id)s") % {"id": value}
        if field.flatchoices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return _("yes") if value in (True, "true", "True", "1", 1) else _("no")
        try:
            python = field.to_python(value)
        except ValidationError:
            return str(value)
        if isinstance(python, datetime.datetime):
            if timezone.is_aware(python):
                python = timezone.localtime(python)
            return formats.date_format(python, "SHORT_DATETIME_FORMAT")
        if isinstance(python, datetime.date):
            return formats.date_format(python, "SHORT_DATE_FORMAT")
        return formats.localize(python)

    def recipient(self, spec: str) -> str:
        if spec == "owner":
            return _("the owner")
        if spec == "team_leader":
            return _("the owner's team leader")
        if spec == "approvers":
            return _("whoever may approve it")
        if spec == "warehouse_staff":
            return _("the staff of its warehouse")
        kind, _sep, value = (spec or "").partition(":")
        if kind == "role":
            role = dict(Role.choices).get(value, value)
            return _("the %(role)s nearest the owner") % {"role": str(role).lower()}
        if kind == "user" and (user_id := id_from(value)):
            person = self.objects.get(get_user_model(), {}).get(user_id)
            return str(person) if person is not None else _("a person no longer in Gendan")
        return spec or "—"

    def action(self, rule: Rule, action: dict) -> str:
        kind = action.get("type")
        if kind == "create_task":
            text = _("create a task for %(who)s: “%(title)s”") % {
                "who": self.recipient(action.get("assignee") or ""),
                "title": action.get("title") or "",
            }
            hours = action.get("due_in_hours")
            if hours not in (None, ""):
                text = _("%(action)s, due within %(duration)s") % {
                    "action": text,
                    "duration": duration_text(float(hours) * 60),
                }
            return text
        if kind == "notify":
            return _("notify %(who)s: “%(title)s”") % {
                "who": self.recipient(action.get("recipient") or ""),
                "title": action.get("title") or "",
            }
        if kind == "email_customer":
            return _("e-mail the customer: “%(title)s”") % {"title": action.get("title") or ""}
        if kind == "set_responsible":
            return _("make %(who)s responsible for the stage “%(stage)s”") % {
                "who": self.recipient(action.get("recipient") or ""),
                "stage": self._stage_label(rule, action.get("stage") or ""),
            }
        return str(kind or "—")

    @staticmethod
    def _stage_label(rule: Rule, stage: str) -> str:
        try:
            return stage_label(model_for(rule.target_model), stage)
        except LookupError:
            return stage

    def actions(self, rule: Rule) -> str:
        text = _("; ").join(self.action(rule, action) for action in rule.actions or [])
        if rule.escalation_hours and any(a.get("type") == "create_task" for a in rule.actions or []):
            steps = [duration_text(float(h) * 60) for h in rule.escalation_hours]
            text = _("%(actions)s; an open task is escalated %(steps)s after it is due") % {
                "actions": text,
                "steps": _(", ").join(steps),
            }
        return text

    def sentence(self, rule: Rule) -> str:
        values = {"when": self.trigger(rule), "actions": self.actions(rule)}
        conditions = self.conditions(rule)
        if conditions:
            return _("%(when)s, if %(conditions)s: %(actions)s.") % {**values, "conditions": conditions}
        return _("%(when)s: %(actions)s.") % values


def _recipient_specs(rule: Rule) -> list[str]:
    return [str(a.get("assignee") or a.get("recipient") or "") for a in rule.actions or [] if isinstance(a, dict)]


def describe_rule(rule: Rule) -> str:
    return RuleDescriber([rule]).sentence(rule)

"""Rules configured without code: what triggers them, whom they tell, and the scan that runs them.

Three triggers:
- EVENT: when an event with the rule's verb happens to a record of the rule's type (the
  event's object, or the record it belongs to), the conditions are checked and the actions run.
- AFTER_EVENT: the same event writes a ScheduledCheck due some (business) hours later; when
  it is due, the scan acts unless one of `unless_verbs` happened to the record since.
- DATE: every event on a record (re)schedules a check at the record's date field + offset;
  the date's value is the occasion, so a changed date schedules anew and the old check lapses.

Every firing is a RuleFiring row (unique per rule, record and occasion) written in the same
transaction as the actions, and every task or notice carries a dedupe key: a rule acts at
most once per record and occasion, whatever runs twice.
"""

import datetime
import logging
import re
import string

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.accounts.models import Department
from gendan.accounts.roles import Role
from gendan.core import events
from gendan.core.models import Event
from gendan.core.services import require_perm, row_errors

from . import conditions as cond
from .models import Rule, RuleFiring, RuleTrigger, ScheduledCheck, TaskPriority, TaskSource
from .services import notification_create, task_create

logger = logging.getLogger(__name__)

# The record types a rule can watch: each has an owner, a page, and events of its own.
RECORD_TYPES = {
    "crm.customer": gettext_lazy("Customer"),
    "sales.order": gettext_lazy("Sales order"),
    "fulfillment.shipment": gettext_lazy("Shipment"),
    "finance.invoice": gettext_lazy("Invoice"),
    "crm.meeting": gettext_lazy("Meeting"),
    "crm.contract": gettext_lazy("Contract"),
    "crm.lead": gettext_lazy("Lead"),
    "crm.opportunity": gettext_lazy("Opportunity"),
    "sales.quotation": gettext_lazy("Quotation"),
}
# The verbs the services record today, offered in the rule form (a rule may name others,
# e.g. of record types still to come; the format is checked, not the list).
KNOWN_VERBS = [
    "customer.created",
    "customer.updated",
    "contact.created",
    "address.created",
    "followup.created",
    "meeting.scheduled",
    "meeting.updated",
    "meeting.held",
    "meeting.cancelled",
    "contract.created",
    "contract.updated",
    "contract.activated",
    "contract.terminated",
    "contract.expired",
    "lead.created",
    "lead.updated",
    "lead.contacted",
    "lead.converted",
    "lead.disqualified",
    "lead.assigned",
    "opportunity.created",
    "opportunity.updated",
    "opportunity.stage_changed",
    "quotation.created",
    "quotation.updated",
    "quotation.sent",
    "quotation.superseded",
    "quotation.accepted",
    "quotation.rejected",
    "quotation.expired",
    "order.created",
    "order.updated",
    "order.submitted",
    "order.approved",
    "order.rejected",
    "order.confirmed",
    "order.held",
    "order.resumed",
    "order.cancelled",
    "order.partially_shipped",
    "order.shipped",
    "order.delivered",
    "order.closed",
    "shipment.created",
    "shipment.shipped",
    "shipment.delivered",
    "shipment.cancelled",
    "invoice.created",
    "invoice.issued",
    "invoice.paid",
    "payment.allocated",
    "task.completed",
]
VERB_RE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
ACTION_TYPES = {
    "create_task": gettext_lazy("Create a task"),
    "notify": gettext_lazy("Send a notification"),
    "set_responsible": gettext_lazy("Make someone responsible for a stage"),
}
# Placeholders a task title or notice may use.
PLACEHOLDERS = {"record", "number", "customer", "owner", "date"}
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
# Fields that decide which checks exist and when they fall due.
SCHEDULE_FIELDS = {"trigger", "target_model", "event_verb", "date_field", "offset_minutes", "business_hours"}
MAX_CHECK_ATTEMPTS = 5


# --- records -----------------------------------------------------------------------------------


def model_for(label: str):
    return apps.get_model(label)


def label_of(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def owner_of(record):
    """The person responsible for a record, through its model's scoping path (invoice → order → owner)."""
    path = getattr(type(record).objects.all(), "owner_path", "owner")
    value = record
    for name in path.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def record_url(record) -> str:
    if record._meta.label_lower == "crm.customer":
        return reverse("crm:customer_detail", args=[record.pk])
    if record._meta.label_lower == "sales.order":
        return reverse("sales:order_detail", args=[record.pk])
    if getattr(record, "order_id", None):
        return reverse("sales:order_detail", args=[record.order_id])
    if hasattr(record, "get_absolute_url"):
        return record.get_absolute_url()
    return ""


def _date_base(value) -> datetime.datetime:
    """The moment a date field counts from: a date means "by the end of that day"."""
    if isinstance(value, datetime.datetime):
        return value
    midnight = datetime.datetime.combine(value + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)


def _shift(rule: Rule, start: datetime.datetime, minutes: float) -> datetime.datetime:
    """`start` moved by the delay after an event, a task's due offset or an escalation step."""
    if rule.business_hours:
        from gendan.automation.calendar import add_business_hours

        return add_business_hours(start, minutes / 60)
    return start + datetime.timedelta(minutes=minutes)


def date_due(rule: Rule, value) -> datetime.datetime:
    """When a date rule looks at a record: calendar time even with business hours on ("a day before")."""
    return _date_base(value) + datetime.timedelta(minutes=rule.offset_minutes)


# --- recipients and templates ------------------------------------------------------------------


def _department_chain(department_id, parents: dict) -> list[int]:
    chain = []
    while department_id is not None and department_id not in chain:
        chain.append(department_id)
        department_id = parents.get(department_id)
    return chain


def _user_with_role(role: str, owner):
    """The first active user with `role` nearest the owner in the department tree, else anyone with it."""
    users = list(get_user_model().objects.filter(role=role, is_active=True).order_by("pk"))
    if not users or owner is None or owner.department_id is None:
        return users[0] if users else None
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    owner_chain = _department_chain(owner.department_id, parents)

    def distance(user):
        chain = set(_department_chain(user.department_id, parents))
        return next((i for i, dept in enumerate(owner_chain) if dept in chain), len(owner_chain))

    return min(users, key=lambda u: (distance(u), u.pk))


def _team_leader(owner):
    """The leader of the owner's team, or of the nearest department above that has one other than the owner."""
    if owner is None or owner.department_id is None:
        return None
    department = owner.department
    seen = set()
    while department is not None and department.pk not in seen:
        seen.add(department.pk)
        leader = department.leader
        if leader is not None and leader.is_active and leader.pk != owner.pk:
            return leader
        department = department.parent
    return None


def resolve_recipient(spec: str, record):
    """Who "owner", "team_leader", "role:<role>" or "user:<id>" is for `record`; None when nobody is."""
    owner = owner_of(record)
    if spec == "owner":
        return owner if owner is not None and owner.is_active else None
    if spec == "team_leader":
        return _team_leader(owner)
    kind, _sep, value = spec.partition(":")
    if kind == "role":
        return _user_with_role(value, owner)
    if kind == "user" and value.isdigit():
        return get_user_model().objects.filter(pk=int(value), is_active=True).first()
    return None


def _check_recipient(spec) -> list[str]:
    spec = spec if isinstance(spec, str) else ""
    if spec in ("owner", "team_leader"):
        return []
    kind, _sep, value = spec.partition(":")
    if kind == "role" and value in Role.values:
        return []
    if kind == "user" and value.isdigit() and get_user_model().objects.filter(pk=int(value), is_active=True).exists():
        return []
    if kind == "user":
        return [_("No active user has the id “%(id)s”.") % {"id": value}]
    return [
        _("Choose the owner, the team leader, a role (role:finance) or a user (user:12); “%(spec)s” is none of them.")
        % {"spec": spec}
    ]


def _check_template(text) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError as exc:
        return [_("This text has unbalanced braces: %(error)s.") % {"error": exc}]
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            return [
                _("Unknown placeholder {%(name)s}; use %(names)s.")
                % {"name": name, "names": ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))}
            ]
    return []


class _Placeholders(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(template: str, record, date_value=None) -> str:
    """A title or body with its placeholders filled; only plain names (checked when the rule is saved)."""
    owner = owner_of(record)
    customer = record if record._meta.label_lower == "crm.customer" else getattr(record, "customer", None)
    values = _Placeholders(
        record=str(record),
        number=str(getattr(record, "number", None) or getattr(record, "code", None) or record.pk),
        customer=str(customer) if customer is not None else "",
        owner=str(owner) if owner is not None else "",
        date=date_value.isoformat() if date_value is not None else "",
    )
    return template.format_map(values)


# --- validating and saving rules ---------------------------------------------------------------


def _check_actions(rows) -> list[dict]:
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
        recipient_key = "assignee" if kind == "create_task" else "recipient"
        recipient = (row.get(recipient_key) or "").strip()
        if message := _check_recipient(recipient):
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
        elif message := _check_template(title):
            problems["title"] = message
        item = {"type": kind, recipient_key: recipient, "title": title}
        if kind == "create_task":
            hours = row.get("due_in_hours")
            if hours in (None, ""):
                hours = None
            else:
                try:
                    hours = float(hours)
                    if hours < 0:
                        raise ValueError
                except (TypeError, ValueError):
                    problems["due_in_hours"] = [_("Enter a number of hours, zero or more.")]
            priority = row.get("priority") or TaskPriority.NORMAL
            if priority not in TaskPriority.values:
                problems["priority"] = [_("Choose a priority.")]
            item.update(due_in_hours=hours, priority=priority)
        else:
            body = row.get("body") or ""
            if message := _check_template(body):
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
    data["offset_minutes"] = int(data["offset_minutes"] or 0)
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
        data["actions"] = _check_actions(data["actions"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    steps = data["escalation_hours"] or []
    try:
        steps = [float(h) for h in (steps.split(",") if isinstance(steps, str) else steps) if str(h).strip()]
        if any(h <= 0 for h in steps) or steps != sorted(steps):
            raise ValueError
        data["escalation_hours"] = [int(h) if h == int(h) else h for h in steps]
    except (TypeError, ValueError):
        errors["escalation_hours"] = [_("Enter rising numbers of hours after the due time, e.g. 2, 8, 24.")]
    if errors:
        raise ValidationError(errors)
    return data


def _after_commit_backfill(rule: Rule) -> None:
    if rule.is_active and rule.trigger == RuleTrigger.DATE:
        from .tasks_rules import backfill_date_rule

        transaction.on_commit(lambda: backfill_date_rule(rule.pk), robust=True)


@transaction.atomic
def rule_create(*, actor, **fields) -> Rule:
    require_perm(actor, "automation.add_rule")
    data = clean_rule(fields)
    rule = Rule.objects.create(**data, created_by=actor)
    events.record(actor, "rule.created", rule, data={"trigger": rule.trigger, "target_model": rule.target_model})
    _after_commit_backfill(rule)
    return rule


@transaction.atomic
def rule_update(*, rule: Rule, actor, **fields) -> Rule:
    require_perm(actor, "automation.change_rule")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    data = clean_rule({**{name: getattr(rule, name) for name in RULE_FIELDS}, **fields})
    before = events.snapshot(rule, RULE_FIELDS)
    for name, value in data.items():
        setattr(rule, name, value)
    rule.save()
    changes = events.diff(before, events.snapshot(rule, RULE_FIELDS))
    if SCHEDULE_FIELDS & set(changes):
        # Appointments made under the old trigger would fire at the wrong time or on the wrong
        # records: close them; a date rule schedules its records again from scratch.
        _close_pending(rule)
        _after_commit_backfill(rule)
    events.record(actor, "rule.updated", rule, changes=changes)
    return rule


@transaction.atomic
def rule_toggle(*, rule: Rule, actor, is_active: bool) -> Rule:
    require_perm(actor, "automation.change_rule")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active == is_active:
        return rule
    rule.is_active = is_active
    rule.save(update_fields=["is_active", "updated_at"])
    if not is_active:
        _close_pending(rule)
    _after_commit_backfill(rule)
    events.record(
        actor,
        "rule.switched_on" if is_active else "rule.switched_off",
        rule,
        changes={"is_active": [not is_active, is_active]},
    )
    return rule


def _close_pending(rule: Rule) -> int:
    return ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).update(done_at=timezone.now())


# --- reacting to events ------------------------------------------------------------------------


def _load(content_type_id, object_id):
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=object_id).first()


def handle_event(event: Event) -> None:
    """Run the rules an event concerns. Called once per event by the outbox, in its transaction."""
    object_type = ContentType.objects.get_for_id(event.content_type_id)
    targets = {label_of(object_type): (event.content_type_id, event.object_id)}
    if event.root_type_id is not None:
        targets.setdefault(
            label_of(ContentType.objects.get_for_id(event.root_type_id)), (event.root_type_id, event.root_id)
        )
    by_verb = models.Q(
        trigger__in=[RuleTrigger.EVENT, RuleTrigger.AFTER_EVENT], event_verb=event.verb, target_model__in=list(targets)
    )
    # A date rule looks again whenever something happens to its record or to a record belonging
    # to it: a follow-up (its root the customer) moves the customer's "no follow-up since".
    by_date = models.Q(trigger=RuleTrigger.DATE, target_model__in=list(targets))
    rules = list(Rule.objects.filter(is_active=True).filter(by_verb | by_date).order_by("pk"))
    records = {}
    for rule in rules:
        ct_id, object_id = targets[rule.target_model]
        if (ct_id, object_id) not in records:
            records[ct_id, object_id] = _load(ct_id, object_id)
        record = records[ct_id, object_id]
        if record is None:
            continue
        if rule.trigger == RuleTrigger.DATE:
            schedule_date_check(rule, record)
        elif not cond.evaluate(record, rule.conditions, event=event):
            continue
        elif rule.trigger == RuleTrigger.EVENT:
            # Deadlines count from when it happened, so a worker catching up sets the same ones.
            fire(rule, record, f"event:{event.pk}", now=event.occurred_at)
        else:
            ScheduledCheck.objects.get_or_create(
                rule=rule,
                content_type_id=ct_id,
                object_id=object_id,
                occasion=f"event:{event.pk}",
                defaults={"due_at": _shift(rule, event.occurred_at, rule.offset_minutes)},
            )


def schedule_date_check(rule: Rule, record) -> ScheduledCheck | None:
    """Make the record's appointment for its current date; appointments for other dates lapse."""
    content_type = ContentType.objects.get_for_model(record)
    value = getattr(record, rule.date_field)
    pending = ScheduledCheck.objects.filter(
        rule=rule, content_type=content_type, object_id=record.pk, done_at__isnull=True
    )
    occasion = f"date:{value.isoformat()}" if value is not None else None
    pending.exclude(occasion=occasion).update(done_at=timezone.now())
    if value is None:
        return None
    due = date_due(rule, value)
    check, created = ScheduledCheck.objects.get_or_create(
        rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion, defaults={"due_at": due}
    )
    if not created and check.done_at is not None:
        # The date went away and came back: the appointment stands again unless the rule already acted.
        fired = RuleFiring.objects.filter(
            rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion
        ).exists()
        if not fired:
            check.done_at, check.due_at, check.attempts, check.last_error = None, due, 0, ""
            check.save(update_fields=["done_at", "due_at", "attempts", "last_error"])
    return check


def backfill_date_rule(rule: Rule, batch_size: int = 2000) -> int:
    """Appointments for every record the date rule applies to now; existing ones are left as they are.

    For a new or edited rule, and daily as a safety net for records changed without an event.
    Returns the number of records looked at.
    """
    if not rule.is_active or rule.trigger != RuleTrigger.DATE:
        return 0
    model = model_for(rule.target_model)
    content_type = ContentType.objects.get_for_model(model)
    records = (
        model._default_manager.filter(cond.to_q(model, rule.conditions))
        .filter(**{f"{rule.date_field}__isnull": False})
        .values_list("pk", rule.date_field)
        .order_by("pk")
    )
    seen = 0
    batch = []
    for pk, value in records.iterator(chunk_size=batch_size):
        seen += 1
        batch.append(
            ScheduledCheck(
                rule=rule,
                content_type=content_type,
                object_id=pk,
                occasion=f"date:{value.isoformat()}",
                due_at=date_due(rule, value),
            )
        )
        if len(batch) >= batch_size:
            ScheduledCheck.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ScheduledCheck.objects.bulk_create(batch, ignore_conflicts=True)
    return seen


# --- acting ------------------------------------------------------------------------------------


def fire(rule: Rule, record, occasion: str, *, now: datetime.datetime, date_value=None) -> bool:
    """Run the rule's actions on `record` for `occasion`, once: False when it already did."""
    content_type = ContentType.objects.get_for_model(record)
    try:
        with transaction.atomic():
            RuleFiring.objects.create(rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion)
    except IntegrityError:
        return False
    url = record_url(record)
    for index, action in enumerate(rule.actions):
        key = f"rule:{rule.pk}:{content_type.pk}:{record.pk}:{occasion}:{index}"
        if action["type"] == "create_task":
            _create_task(rule, record, action, key=key, now=now, date_value=date_value)
        elif action["type"] == "set_responsible":
            _set_responsible(rule, record, action)
        elif action["type"] == "notify":
            recipient = resolve_recipient(action["recipient"], record)
            if recipient is None:
                logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["recipient"], record)
                continue
            notification_create(
                recipient=recipient,
                kind="rule",
                title=render(action["title"], record, date_value),
                body=render(action.get("body") or "", record, date_value),
                url=url,
                related=record,
                dedupe_key=f"{key}:{recipient.pk}",
            )
    return True


def _set_responsible(rule: Rule, record, action: dict) -> None:
    from .responsibility import responsibilities_of, responsibility_set

    user = resolve_recipient(action["recipient"], record)
    if user is None:
        logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["recipient"], record)
        return
    current = responsibilities_of(record).filter(stage=action["stage"], ended_at__isnull=True).first()
    if current is not None and current.user_id == user.pk:
        return
    # actor None: the system acts, under the rule's name, with no person's permissions.
    responsibility_set(record=record, stage=action["stage"], user=user, actor=None, reason=rule.name)


def _create_task(rule: Rule, record, action: dict, *, key: str, now, date_value) -> None:
    assignee = resolve_recipient(action["assignee"], record)
    if assignee is None:
        logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["assignee"], record)
        return
    hours = action.get("due_in_hours")
    due_at = _shift(rule, now, hours * 60) if hours is not None else None
    next_escalation_at = None
    if rule.escalation_hours:
        next_escalation_at = _shift(rule, due_at or now, rule.escalation_hours[0] * 60)
    task_create(
        actor=None,
        title=render(action["title"], record, date_value),
        assignee=assignee,
        related=record,
        due_at=due_at,
        priority=action.get("priority") or TaskPriority.NORMAL,
        source=TaskSource.RULE,
        rule=rule,
        dedupe_key=key,
        next_escalation_at=next_escalation_at,
    )


# --- the periodic scan -------------------------------------------------------------------------


def _mooted(check: ScheduledCheck, rule: Rule, record) -> bool:
    """Whether one of the rule's unless-events happened to the record since the triggering event.

    "To the record" includes the records that belong to it (root) and records pointing at it
    by a foreign key whose verbs name them: an order.created for one of a customer's orders
    counts as something happening to the customer. When the record belongs to a customer, a
    record of that customer which could point at it but names none of its kind counts too: a
    quotation sent to a deal's customer without naming a deal counts for the deal (one naming
    another deal does not).
    """
    if not rule.unless_verbs or not check.occasion.startswith("event:"):
        return False
    since = int(check.occasion.removeprefix("event:"))
    ct_id, pk = check.content_type_id, check.object_id
    about = models.Q(content_type_id=ct_id, object_id=pk) | models.Q(root_type_id=ct_id, root_id=pk)
    target = type(record)
    customer = _customer_link(target)
    for prefix in {verb.split(".")[0] for verb in rule.unless_verbs}:
        subject = _model_named(prefix)
        if subject is None or subject is target:
            continue
        records = subject._default_manager
        links = [f for f in subject._meta.concrete_fields if f.many_to_one and f.related_model is target]
        for link in links:
            pointing = records.filter(**{link.name: pk})
            own_customer = _customer_link(subject)
            if (
                link.null
                and customer is not None
                and own_customer is not None
                and own_customer.related_model is customer.related_model
            ):
                pointing = records.filter(
                    models.Q(**{link.name: pk})
                    | models.Q(**{f"{link.name}__isnull": True, "customer": getattr(record, customer.attname)})
                )
            about |= models.Q(
                content_type=ContentType.objects.get_for_model(subject), object_id__in=pointing.values("pk")
            )
    return Event.objects.filter(about, verb__in=rule.unless_verbs, pk__gt=since).exists()


def _customer_link(model):
    """The foreign key named "customer" by which records of `model` belong to a customer, if there is one."""
    try:
        field = model._meta.get_field("customer")
    except FieldDoesNotExist:
        return None
    return field if field.many_to_one else None


def _model_named(name: str):
    """The Gendan model a verb's first word names ("order" → sales.Order), if exactly one does."""
    found = [m for m in apps.get_models() if m._meta.model_name == name and m.__module__.startswith("gendan.")]
    return found[0] if len(found) == 1 else None


def run_check(check: ScheduledCheck, now: datetime.datetime) -> str:
    """Decide one due appointment: "fired", or why not. The caller marks it done."""
    rule = check.rule
    if not rule.is_active:
        return "inactive"
    record = _load(check.content_type_id, check.object_id)
    if record is None:
        return "gone"
    date_value = None
    if rule.trigger == RuleTrigger.DATE:
        date_value = getattr(record, rule.date_field)
        if date_value is None or f"date:{date_value.isoformat()}" != check.occasion:
            return "date_changed"
    elif _mooted(check, rule, record):
        return "mooted"
    if not cond.evaluate(record, rule.conditions):
        return "conditions"
    # A task's due time counts from when the rule was due, not from when a scan noticed:
    # after a worker outage the deadlines are the ones the rule promised.
    fired_at = min(check.due_at, now)
    return "fired" if fire(rule, record, check.occasion, now=fired_at, date_value=date_value) else "already"


def scan_due_checks(now: datetime.datetime | None = None, batch_size: int = 200) -> dict[str, int]:
    """Act on every appointment now due, each in its own transaction; returns counts by outcome.

    Reads due rows through the partial index (due_at where not done) a batch at a time. A
    check whose actions raise stays due and is retried by the next scans, then given up.
    """
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    # Failed, or held by another scan: not to be read again in this run.
    passed: list[int] = []
    while True:
        due = ScheduledCheck.objects.filter(done_at__isnull=True, due_at__lte=now)
        if passed:
            due = due.exclude(pk__in=passed)
        ids = list(due.order_by("due_at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return outcomes
        for pk in ids:
            try:
                with transaction.atomic():
                    # skip_locked: two scans running at once share the work instead of queueing.
                    check = (
                        ScheduledCheck.objects.select_for_update(skip_locked=True)
                        .select_related("rule")
                        .filter(pk=pk, done_at__isnull=True)
                        .first()
                    )
                    if check is None:
                        passed.append(pk)
                        continue
                    outcome = run_check(check, now)
                    check.done_at = now
                    check.attempts += 1
                    check.save(update_fields=["done_at", "attempts"])
            except Exception as exc:
                logger.exception("Scheduled check %s failed", pk)
                passed.append(pk)
                outcome = "failed"
                _record_failure(pk, exc, now)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1


def _record_failure(pk: int, exc: Exception, now) -> None:
    check = ScheduledCheck.objects.get(pk=pk)
    check.attempts += 1
    check.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if check.attempts >= MAX_CHECK_ATTEMPTS:
        check.done_at = now
    check.save(update_fields=["attempts", "last_error", "done_at"])


# --- what a rule would hit ---------------------------------------------------------------------


def rule_matches(rule: Rule, now: datetime.datetime | None = None):
    """The records the rule would act on if it ran now (for the "test" page).

    Conditions always; for a date rule also "its moment has come" (date + offset ≤ now).
    Event rules act only when their event happens, so this is who they would act on if it did.
    """
    model = model_for(rule.target_model)
    records = model._default_manager.filter(cond.to_q(model, rule.conditions))
    if rule.trigger == RuleTrigger.DATE:
        moment = (now or timezone.now()) - datetime.timedelta(minutes=rule.offset_minutes)
        field = model._meta.get_field(rule.date_field)
        if isinstance(field, models.DateTimeField):
            records = records.filter(**{f"{rule.date_field}__lte": moment})
        else:
            # due = start of (date + 1 day) ≤ moment  ⇔  date < local date of moment
            records = records.filter(**{f"{rule.date_field}__lt": timezone.localdate(moment)})
    return records

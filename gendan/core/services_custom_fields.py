"""Setting up custom fields: add, change, deactivate — each an event, the audit of the configuration."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import events, verbs
from .custom_fields import forget_fields
from .models import CustomField, CustomFieldKind, CustomRecordType
from .services import require_perm, text_problems

KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_CHOICES = 100
CHOICE_MAX_LENGTH = 80
# What an administrator may change once a field exists; the key and kind stay, since records hold values by them.
UPDATABLE = ["label", "choices", "required", "position", "help_text"]


def register_verbs() -> None:
    verbs.register_many(
        "core.customfield",
        {
            "custom_field.created": (gettext_lazy("Custom field added"), gettext_lazy("added a custom field")),
            "custom_field.updated": (gettext_lazy("Custom field changed"), gettext_lazy("changed a custom field")),
            "custom_field.deactivated": (
                gettext_lazy("Custom field deactivated"),
                gettext_lazy("deactivated a custom field"),
            ),
            "custom_field.reactivated": (
                gettext_lazy("Custom field reactivated"),
                gettext_lazy("reactivated a custom field"),
            ),
        },
    )


def _choice_problems(kind: str, choices) -> tuple[list[str], list[str]]:
    """The choices as kept (stripped, in order) and what is wrong with them."""
    if kind != CustomFieldKind.CHOICE:
        return [], ([_("Only a choice field has choices.")] if choices else [])
    if not isinstance(choices, (list, tuple)) or not all(isinstance(c, str) for c in choices):
        return [], [_("Give the choices as a list of texts.")]
    kept = [c.strip() for c in choices if c.strip()]
    if not kept:
        return [], [_("Give at least one choice.")]
    if len(kept) > MAX_CHOICES:
        return [], [_("Give at most %(most)s choices.") % {"most": MAX_CHOICES}]
    if any(len(c) > CHOICE_MAX_LENGTH for c in kept):
        return [], [_("A choice is at most %(most)s characters.") % {"most": CHOICE_MAX_LENGTH}]
    if len(set(kept)) != len(kept):
        return [], [_("Each choice once.")]
    return kept, []


def _settings_problems(field: CustomField, *, label, choices, help_text) -> dict:
    errors = {}
    field.label, problems = text_problems(label, missing=_("Give the field a label."), max_length=80)
    if problems:
        errors["label"] = problems
    field.help_text = help_text.strip() if isinstance(help_text, str) else ""
    if len(field.help_text) > 200:
        errors["help_text"] = [_("Keep it under %(max)s characters.") % {"max": 200}]
    field.choices, problems = _choice_problems(field.kind, choices)
    if problems:
        errors["choices"] = problems
    return errors


@transaction.atomic
def custom_field_create(
    *,
    actor,
    record_type: str,
    key: str,
    label: str,
    kind: str,
    choices=(),
    required: bool = False,
    position: int = 0,
    help_text: str = "",
) -> CustomField:
    require_perm(actor, "core.add_customfield")
    errors = {}
    if record_type not in CustomRecordType.values:
        errors["record_type"] = [_("Choose a record type.")]
    if kind not in CustomFieldKind.values:
        errors["kind"] = [_("Choose a kind.")]
    if not isinstance(key, str) or not KEY.fullmatch(key):
        errors["key"] = [
            _("A key starts with a lower-case letter, then up to 39 lower-case letters, digits or underscores.")
        ]
    field = CustomField(
        record_type=record_type, key=key, kind=kind, required=bool(required), position=position, active=True
    )
    errors.update(_settings_problems(field, label=label, choices=list(choices or []), help_text=help_text))
    if "key" not in errors and CustomField.objects.filter(record_type=record_type, key=key).exists():
        errors["key"] = [_("This record type already has a field with this key.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            field.save(force_insert=True)
    except IntegrityError as exc:
        # Two administrators adding the same key at once: the database's unique constraint decides.
        raise ValidationError({"key": [_("This record type already has a field with this key.")]}) from exc
    forget_fields()
    events.record(
        actor,
        "custom_field.created",
        field,
        data={"record_type": record_type, "key": key, "kind": kind, "label": field.label, "choices": field.choices},
    )
    return field


FIELD_SNAPSHOT = [*UPDATABLE, "active"]


@transaction.atomic
def custom_field_update(*, field: CustomField, actor, **values) -> CustomField:
    require_perm(actor, "core.change_customfield")
    unknown = set(values) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"custom_field_update got unexpected fields {sorted(unknown)}")
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    before = events.snapshot(field, FIELD_SNAPSHOT)
    field.required = bool(values.get("required", field.required))
    field.position = values.get("position", field.position)
    errors = _settings_problems(
        field,
        label=values.get("label", field.label),
        choices=values.get("choices", field.choices),
        help_text=values.get("help_text", field.help_text),
    )
    if errors:
        raise ValidationError(errors)
    changes = events.diff(before, events.snapshot(field, FIELD_SNAPSHOT))
    if changes:
        field.save()
        forget_fields()
        events.record(actor, "custom_field.updated", field, changes=changes)
    return field


@transaction.atomic
def custom_field_set_active(*, field: CustomField, actor, active: bool) -> CustomField:
    """Deactivate (values stay on the records, hidden) or bring back a field; the same state again changes nothing."""
    require_perm(actor, "core.change_customfield")
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.active == active:
        return field
    field.active = active
    field.save(update_fields=["active", "updated_at"])
    forget_fields()
    verb = "custom_field.reactivated" if active else "custom_field.deactivated"
    events.record(actor, verb, field, changes={"active": [not active, active]})
    return field

"""Helpers every app's services share."""

from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode


def require_perm(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise ApplicationError(_("You are not allowed to do this."), ErrorCode.PERMISSION_DENIED, {"permission": perm})


def check_version(obj, expected) -> None:
    """Refuse an edit made against an older version of `obj` (optimistic locking)."""
    if expected is None or int(expected) == obj.version:
        return
    raise ApplicationError(
        _(
            "This record was changed by someone else since you opened it (now version %(version)s). Reload and try again."
        )
        % {"version": obj.version},
        ErrorCode.STALE_VERSION,
        {"current_version": obj.version},
    )


def full_clean(instance, exclude=None) -> None:
    """Model validation with field-keyed messages; unique checks stay with the database."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def merge_errors(errors: dict) -> ValidationError:
    return ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


def row_errors(field: str, rows: list[dict]) -> ValidationError:
    """Errors of nested rows as flat keys ("lines.1.quantity"); the API nests them back as DRF does."""
    return ValidationError(
        {f"{field}.{index}.{name}": messages for index, row in enumerate(rows) for name, messages in row.items()}
    )


def apply_to_each(ids, action) -> int:
    """Call the service `action(pk)` for each id, each in its own transaction; returns how many went through.

    For periodic jobs over records found due: one refused because it changed meanwhile (answered,
    terminated, moved) is skipped, and running the job twice does nothing more.
    """
    done = 0
    for pk in list(ids):
        try:
            action(pk)
        except ApplicationError:
            continue
        done += 1
    return done


# Rows per UPDATE of save_all: each changing column names the rows of each of its values, a parameter per row.
SAVE_ALL_ROWS = 200


def save_all(instances, fields) -> None:
    """Save `fields` of several rows of one model in one UPDATE, stamping `updated_at` as save() does.

    QuerySet.bulk_update leaves auto_now fields alone; the lines a service changes together
    (reserved, shipped, invoiced quantities) must still say when they changed.
    """
    instances = list(instances)
    if not instances:
        return
    now = timezone.now()
    for instance in instances:
        instance.updated_at = now
    model = type(instances[0])
    fields = [model._meta.get_field(name) for name in [*fields, "updated_at"]]
    for start in range(0, len(instances), SAVE_ALL_ROWS):
        chunk = instances[start : start + SAVE_ALL_ROWS]
        model.objects.filter(pk__in=[instance.pk for instance in chunk]).update(
            **{field.attname: _column_values(field, chunk) for field in fields}
        )


def _column_values(field, instances):
    """The expression that gives each row its instance's value of `field`: the value itself when they share one,
    else a CASE with a branch per distinct value (the rows that have it), not one per row as bulk_update writes.
    A batch's rows mostly share their statuses and dates: a branch per row cost more to build than the rest of an
    import together."""
    rows_of: dict = {}
    for instance in instances:
        value = getattr(instance, field.attname)
        key = value
        try:
            hash(key)
        except TypeError:
            # A value that cannot be compared cheaply (a JSON object) takes a branch of its own.
            key = object()
        rows_of.setdefault(key, (value, []))[1].append(instance.pk)
    if len(rows_of) == 1:
        return Value(next(iter(rows_of.values()))[0], output_field=field)
    return Case(
        *(When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in rows_of.values()),
        output_field=field,
    )


def text_problems(value, *, missing, max_length: int | None = None) -> tuple[str, list[str]]:
    """A text a service needs (a reason, a comment), stripped, and what is wrong with it: not there (`missing` says
    what to give; anything but text counts as nothing given), or longer than `max_length`."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return text, [missing]
    if max_length is not None and len(text) > max_length:
        return text, [_("Keep it under %(max)s characters.") % {"max": max_length}]
    return text, []


def required_text(value, *, field: str, missing, max_length: int | None = None) -> str:
    """`text_problems`, refused as an error on `field`."""
    text, problems = text_problems(value, missing=missing, max_length=max_length)
    if problems:
        raise ValidationError({field: problems})
    return text

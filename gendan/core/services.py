"""Helpers every app's services share."""

from django.core.exceptions import ValidationError
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


def ensure_in_scope(queryset, obj, actor) -> None:
    """After a write, the writer must still be able to see the record (no editing out of sight)."""
    if not queryset.visible_to(actor).filter(pk=obj.pk).exists():
        raise ApplicationError(
            _("You cannot assign this record outside the records you can see."),
            ErrorCode.PERMISSION_DENIED,
        )


def merge_errors(errors: dict) -> ValidationError:
    return ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


def row_errors(field: str, rows: list[dict]) -> ValidationError:
    """Errors of nested rows as flat keys ("lines.1.quantity"); the API nests them back as DRF does."""
    return ValidationError(
        {f"{field}.{index}.{name}": messages for index, row in enumerate(rows) for name, messages in row.items()}
    )

"""Helpers every app's services share."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.accounts.roles import DataScope

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


def is_visible(queryset, obj, actor) -> bool:
    """Whether `actor` sees `obj` through `queryset.visible_to`, without a query when the answer is certain."""
    if actor is not None and actor.is_authenticated and actor.is_active:
        # Every scope includes everything (scope "all") or at least the actor's own records.
        if actor.data_scope == DataScope.ALL:
            return True
        owner_path = queryset.all().owner_path
        if "__" not in owner_path and getattr(obj, f"{owner_path}_id") == actor.pk:
            return True
    return queryset.visible_to(actor).filter(pk=obj.pk).exists()


def require_visible(queryset, obj, actor) -> None:
    """Before an edit: the actor must be able to see the record, whoever handed it to the service."""
    if not is_visible(queryset, obj, actor):
        raise ApplicationError(
            _("You cannot change a record outside the records you can see."), ErrorCode.PERMISSION_DENIED
        )


def ensure_in_scope(queryset, obj, actor) -> None:
    """After a write, the writer must still be able to see the record (no editing out of sight)."""
    if not is_visible(queryset, obj, actor):
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

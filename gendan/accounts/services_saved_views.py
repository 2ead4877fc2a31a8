"""Saved views of lists: made, changed and deleted by their owner. Each function is one transaction and records its event."""

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_perm

from . import saved_views
from .models import SavedView, User

NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length
QUERY_MAX_LENGTH = SavedView._meta.get_field("query").max_length
# A person's views of one list: the menu shows them all.
MAX_VIEWS_PER_LIST = 50
EDITABLE = ("name", "query", "columns", "shared")


def _saved_list(actor: User, list_name) -> saved_views.SavedList:
    entry = saved_views.get(list_name) if isinstance(list_name, str) else None
    if entry is None:
        raise ValidationError({"list": [_("There is no list of that name to save a view of.")]})
    require_perm(actor, entry.permission)
    return entry


def _checked_name(actor: User, entry, name, view: SavedView | None) -> tuple[str, list[str]]:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        return name, [_("Name the view.")]
    if len(name) > NAME_MAX_LENGTH:
        return name, [_("Use at most %(max)s characters.") % {"max": NAME_MAX_LENGTH}]
    try:
        # PostgreSQL refuses to store it, as every form field of Django's does.
        ProhibitNullCharactersValidator()(name)
    except ValidationError as exc:
        return name, exc.messages
    taken = SavedView.objects.filter(owner=actor, list_name=entry.name, name__iexact=name)
    if view is not None:
        taken = taken.exclude(pk=view.pk)
    if taken.exists():
        return name, [_("You already have a view of this list named “%(name)s”.") % {"name": name}]
    return name, []


def _checked_query(entry, query) -> tuple[str, list[str]]:
    """The query's filters and sort as the list reads them (saved_views.canonical_query), or what is wrong."""
    if not isinstance(query, str):
        return "", [_("Send the filters and sort as a query string.")]
    data = QueryDict(query.removeprefix("?"))
    known = {*entry.filters.base_filters, "sort"}
    unknown = sorted(name for name in data if name not in known and name not in saved_views.NOT_SAVED)
    if unknown:
        return "", [_("Not a filter of this list: %(names)s.") % {"names": ", ".join(unknown)}]
    sort = data.get("sort")
    if sort and entry.table.sort_key(sort) != sort:
        return "", [_("The list cannot be sorted by “%(sort)s”.") % {"sort": sort}]
    filters = entry.filters(data, queryset=entry.filters._meta.model.objects.none())
    form = filters.form
    if not form.is_valid():
        return "", [
            f"{form.fields[name].label}: {message}" if name in form.fields else message
            for name, messages in form.errors.items()
            for message in messages
        ]
    canonical = saved_views.canonical_query(data)
    if len(canonical) > QUERY_MAX_LENGTH:
        return "", [_("These filters are too long to save.")]
    return canonical, []


def _checked_columns(entry, columns) -> tuple[list[str], list[str]]:
    if columns is None:
        return entry.table.default_columns(), []
    if not isinstance(columns, list | tuple) or not all(isinstance(name, str) for name in columns):
        return [], [_("Send the columns as a list of their names.")]
    unknown = [name for name in columns if name not in entry.table.optional_columns]
    if unknown:
        return [], [_("Not a column you can choose on this list: %(names)s.") % {"names": ", ".join(unknown)}]
    # In the table's order, each once: the page shows them so.
    return [name for name in entry.table.optional_columns if name in columns], []


def _checked(actor: User, entry, fields: dict, view: SavedView | None = None) -> dict:
    """`fields` (some of EDITABLE) as they are saved; every problem at once, keyed by field."""
    checked, errors = {}, {}
    if "name" in fields:
        checked["name"], errors["name"] = _checked_name(actor, entry, fields["name"], view)
    if "query" in fields:
        checked["query"], errors["query"] = _checked_query(entry, fields["query"])
    if "columns" in fields:
        checked["columns"], errors["columns"] = _checked_columns(entry, fields["columns"])
    if "shared" in fields:
        checked["shared"] = bool(fields["shared"])
        if checked["shared"] and actor.department_id is None:
            errors["shared"] = [_("You belong to no team to share it with.")]
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
    return checked


def _duplicate_name(name: str) -> ValidationError:
    return ValidationError({"name": [_("You already have a view of this list named “%(name)s”.") % {"name": name}]})


@transaction.atomic
def saved_view_create(
    *, actor: User, list_name: str, name: str, query: str = "", columns=None, shared: bool = False
) -> SavedView:
    """A view of the list `list_name` for `actor`, or for their team too (`shared`); `columns` None: the usual ones."""
    entry = _saved_list(actor, list_name)
    fields = _checked(actor, entry, {"name": name, "query": query, "columns": columns, "shared": shared})
    if SavedView.objects.filter(owner=actor, list_name=entry.name).count() >= MAX_VIEWS_PER_LIST:
        raise ValidationError(
            {
                "name": [
                    _("You have %(most)s views of this list already: delete one first.") % {"most": MAX_VIEWS_PER_LIST}
                ]
            }
        )
    view = SavedView(owner=actor, list_name=entry.name, **fields)
    try:
        with transaction.atomic():
            view.save(force_insert=True)
    except IntegrityError:
        # The same name saved from another tab in the meantime.
        raise _duplicate_name(fields["name"])
    events.record(actor, "saved_view.created", view, data={"list": entry.name, "shared": view.shared}, root=actor)
    return view


def _lock_own(view: SavedView, actor: User) -> SavedView:
    locked = SavedView.objects.select_for_update().filter(pk=view.pk).first()
    if locked is None:
        raise ApplicationError(_("This view no longer exists."), ErrorCode.NOT_EDITABLE)
    if locked.owner_id != actor.pk:
        raise ApplicationError(
            _("Only the person who saved a view can change or delete it."), ErrorCode.PERMISSION_DENIED
        )
    return locked


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: User, **fields) -> SavedView:
    """Changes the given fields (name, query, columns, shared) of one of the actor's views."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"saved_view_update got unexpected fields {sorted(unknown)}")
    view = _lock_own(view, actor)
    entry = _saved_list(actor, view.list_name)
    checked = _checked(actor, entry, fields, view)
    before = events.snapshot(view, list(checked))
    for name, value in checked.items():
        setattr(view, name, value)
    changes = events.diff(before, events.snapshot(view, list(checked)))
    if not changes:
        return view
    try:
        with transaction.atomic():
            view.save(update_fields=[*checked, "updated_at"])
    except IntegrityError:
        raise _duplicate_name(view.name)
    events.record(actor, "saved_view.updated", view, changes=changes, data={"list": view.list_name}, root=actor)
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: User) -> None:
    """Deletes one of the actor's views; whoever it was shared with no longer sees it."""
    view = _lock_own(view, actor)
    events.record(actor, "saved_view.deleted", view, data={"list": view.list_name, "name": view.name}, root=actor)
    view.delete()

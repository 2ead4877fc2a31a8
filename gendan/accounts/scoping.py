"""Data scopes: the one primitive every list, detail, export and API queryset starts from."""

from django.db import models
from django.utils.translation import gettext as _

from gendan.core.errors import ApplicationError, ErrorCode

from .models import Department
from .roles import DataScope


class TestedIn(models.Lookup):
    """`column IN (<subquery>)` as a test of each row the statement reads, never the rows it starts from.

    For a scope that is a set of ids (a rep's payments): a list walks its own sort index and looks each row
    up in the set, reaching a page within a few hundred rows. Given the plain IN, SQLite reads every id of
    the set by primary key and sorts them (the `+` keeps it off that index), and PostgreSQL joins the set
    (under an OR it is a hashed subplan, a test).
    """

    lookup_name = "tested_in"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"+{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def department_subtree_ids(department) -> list[int]:
    """The department and every team below it, breadth first (one query per level)."""
    ids = [department.pk]
    frontier = [department.pk]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def scoped_subtree_ids(user) -> list[int]:
    """The user's department and the teams below it, read once per user object, that is once per request: a
    dashboard asks a dozen scoped questions, and each read the tree again (94 queries for a department head)."""
    cached = user.__dict__.get("_department_subtree")
    if cached is None or cached[0] != user.department_id:
        cached = (user.department_id, department_subtree_ids(user.department))
        user.__dict__["_department_subtree"] = cached
    return cached[1]


def owner_filter(user, owner_path: str) -> models.Q | None:
    """A Q restricting records to the user's data scope; None means everything."""
    return owner_filters(user, owner_path)[0]


def owner_filters(user, *owner_paths: str) -> list[models.Q | None]:
    """owner_filter for several paths at once, the department tree read once for all of them."""
    scope = user.data_scope
    if scope == DataScope.ALL:
        return [None] * len(owner_paths)
    if scope == DataScope.OWN or user.department_id is None:
        return [models.Q(**{path: user.pk}) for path in owner_paths]
    if scope == DataScope.TEAM:
        return [
            models.Q(**{f"{path}__department_id": user.department_id}) | models.Q(**{path: user.pk})
            for path in owner_paths
        ]
    ids = scoped_subtree_ids(user)
    return [models.Q(**{f"{path}__department_id__in": ids}) | models.Q(**{path: user.pk}) for path in owner_paths]


class ScopedQuerySet(models.QuerySet):
    """Subclasses set `owner_path`: the lookup from this model to the owning user."""

    owner_path = "owner"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = owner_filter(user, self.owner_path)
        return self if condition is None else self.filter(condition)


def is_visible(queryset, obj, actor) -> bool:
    """Whether `actor` sees `obj` through `queryset.visible_to`, without a query when the answer is certain."""
    return not invisible(queryset, [obj], actor)


def invisible(queryset, objs, actor) -> set:
    """The pks of `objs` that `actor` does not see through `queryset.visible_to`: `is_visible` for many records, with
    at most one query."""
    objs = list(objs)
    if actor is not None and actor.is_authenticated and actor.is_active:
        if actor.data_scope == DataScope.ALL:  # everything
            return set()
        # Every scope includes at least the actor's own records.
        owner_path = queryset.all().owner_path
        if "__" not in owner_path:
            objs = [obj for obj in objs if getattr(obj, f"{owner_path}_id") != actor.pk]
    if not objs:
        return set()
    pks = {obj.pk for obj in objs}
    return pks - set(queryset.visible_to(actor).filter(pk__in=pks).values_list("pk", flat=True))


def out_of_sight_error() -> ApplicationError:
    """The refusal of a change to a record the actor does not see."""
    return ApplicationError(
        _("You cannot change a record outside the records you can see."), ErrorCode.PERMISSION_DENIED
    )


def out_of_scope_error() -> ApplicationError:
    """The refusal of a write that would leave the record out of the writer's sight."""
    return ApplicationError(
        _("You cannot assign this record outside the records you can see."), ErrorCode.PERMISSION_DENIED
    )


def require_visible(queryset, obj, actor) -> None:
    """Before an edit: the actor must be able to see the record, whoever handed it to the service."""
    if not is_visible(queryset, obj, actor):
        raise out_of_sight_error()


def ensure_in_scope(queryset, obj, actor) -> None:
    """After a write, the writer must still be able to see the record (no editing out of sight)."""
    ensure_all_in_scope(queryset, [obj], actor)


def ensure_all_in_scope(queryset, objs, actor) -> None:
    """ensure_in_scope for every record of `objs` (a batch's), with at most one query."""
    if invisible(queryset, objs, actor):
        raise out_of_scope_error()

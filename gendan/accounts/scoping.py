"""Data scopes: the one primitive every list, detail, export and API queryset starts from."""

from django.db import models

from .roles import DataScope


def department_subtree_ids(department) -> list[int]:
    """The department and every team below it, breadth first (one query per level)."""
    from .models import Department

    ids = [department.pk]
    frontier = [department.pk]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def owner_filter(user, owner_path: str) -> models.Q | None:
    """A Q restricting records to the user's data scope; None means everything."""
    scope = user.data_scope
    if scope == DataScope.ALL:
        return None
    if scope == DataScope.OWN or user.department_id is None:
        return models.Q(**{owner_path: user.pk})
    if scope == DataScope.TEAM:
        return models.Q(**{f"{owner_path}__department_id": user.department_id}) | models.Q(**{owner_path: user.pk})
    ids = department_subtree_ids(user.department)
    return models.Q(**{f"{owner_path}__department_id__in": ids}) | models.Q(**{owner_path: user.pk})


class ScopedQuerySet(models.QuerySet):
    """Subclasses set `owner_path`: the lookup from this model to the owning user."""

    owner_path = "owner"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = owner_filter(user, self.owner_path)
        return self if condition is None else self.filter(condition)

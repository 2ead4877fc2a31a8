"""Who "owner", "team_leader", "role:<role>" or "user:<id>" is for a record, and checking such a spec."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.accounts.roles import Role
from gendan.core.bounds import id_from

from .records import owner_of


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
    if kind == "user" and (user_id := id_from(value)):
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return None


def check_recipient(spec) -> list[str]:
    spec = spec if isinstance(spec, str) else ""
    if spec in ("owner", "team_leader"):
        return []
    kind, _sep, value = spec.partition(":")
    if kind == "role" and value in Role.values:
        return []
    user_id = id_from(value) if kind == "user" else None
    if user_id and get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        return []
    if kind == "user":
        return [_("No active user has the id “%(id)s”.") % {"id": value}]
    return [
        _("Choose the owner, the team leader, a role (role:finance) or a user (user:12); “%(spec)s” is none of them.")
        % {"spec": spec}
    ]

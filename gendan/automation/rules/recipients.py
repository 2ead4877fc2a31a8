"""Who "owner", "team_leader", "role:<role>", "user:<id>", "approvers" or "warehouse_staff" is for a record.

The first four name one person; "approvers" and "warehouse_staff" name a group, which a notice
reaches whole and a task or a stage gives to its first member.
"""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.accounts.models import Department
from gendan.accounts.roles import ROLE_PERMISSIONS, Role
from gendan.accounts.scoping import is_visible
from gendan.accounts.selectors import leader_of
from gendan.core.bounds import id_from
from gendan.sales.approval_rules import APPROVE_PERMISSION
from gendan.sales.models import ApprovalRequest, ApprovalStep

from .records import owner_of

# The groups a rule can name, for the rule editor's suggestions.
GROUP_RECIPIENTS = {
    "approvers": gettext_lazy("Whoever may approve the record (managers and executives over its owner)"),
    "warehouse_staff": gettext_lazy("The staff of the record's warehouse"),
}


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


# The records approvals are for, and the request's field that names each.
APPROVED_RECORDS = {"sales.order": "order", "sales.quotation": "quotation", "crm.contract": "contract"}


def _approvers(record) -> list:
    """Who decides the record's approval now: the current level's approvers who have not decided yet.

    A record with no approval under way (a rule about something else): the active users allowed to
    approve whose data scope covers it.
    """
    field = APPROVED_RECORDS.get(record._meta.label_lower)
    if field is not None:
        waiting = ApprovalStep.objects.filter(
            **{f"request__{field}": record},
            request__status=ApprovalRequest.Status.PENDING,
            level=models.F("request__level"),
            decision="",
            approver__is_active=True,
        ).values("approver")
        if waiting.exists():
            return list(get_user_model().objects.filter(pk__in=waiting).order_by("pk"))
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if APPROVE_PERMISSION in perms]
    candidates = (
        get_user_model().objects.filter(is_active=True).filter(models.Q(role__in=roles) | models.Q(is_superuser=True))
    )
    manager = type(record)._default_manager
    return [
        user
        for user in candidates.order_by("pk")
        # The role filter above is the permission (ROLE_PERMISSIONS): asking has_perm again would cost
        # two queries per approver; the scope check is one, and approvers are few.
        if is_visible(manager, record, user)
    ]


def _warehouse_staff(record) -> list:
    warehouse = getattr(record, "warehouse", None)
    if warehouse is None:
        return []
    return list(warehouse.staff.filter(is_active=True).order_by("pk"))


def resolve_recipients(spec: str, record) -> list:
    """Everyone `spec` names for `record`: a group's members, or the one person (or nobody)."""
    if spec == "approvers":
        return _approvers(record)
    if spec == "warehouse_staff":
        return _warehouse_staff(record)
    user = resolve_recipient(spec, record)
    return [user] if user is not None else []


def resolve_recipient(spec: str, record):
    """Who "owner", "team_leader", "role:<role>" or "user:<id>" is for `record` (a group's first); None when nobody is."""
    if spec in GROUP_RECIPIENTS:
        members = resolve_recipients(spec, record)
        return members[0] if members else None
    owner = owner_of(record)
    if spec == "owner":
        return owner if owner is not None and owner.is_active else None
    if spec == "team_leader":
        return leader_of(owner)
    kind, _sep, value = spec.partition(":")
    if kind == "role":
        return _user_with_role(value, owner)
    if kind == "user" and (user_id := id_from(value)):
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return None


def check_recipient(spec) -> list[str]:
    spec = spec if isinstance(spec, str) else ""
    if spec in ("owner", "team_leader") or spec in GROUP_RECIPIENTS:
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
        _(
            "Choose the owner, the team leader, a role (role:finance), a user (user:12), the approvers or the "
            "warehouse staff; “%(spec)s” is none of them."
        )
        % {"spec": spec}
    ]

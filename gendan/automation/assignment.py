"""Who gets a new record that arrives without an owner (an import, the API, an administrator).

The active AssignmentRule for the record type chooses among its active candidates: in turn
(round robin, in id order, after the last one chosen), by least open work (ties broken in
turn), or by region (the region map's rep for the record's province or region, else in turn).
The rule's row is locked while choosing, so two records arriving at once go to two people.
"""

from django.db import models, transaction
from django.db.models.functions import Coalesce

from gendan.accounts.models import User
from gendan.accounts.roles import DataScope
from gendan.accounts.scoping import department_subtree_ids
from gendan.crm.models import LEAD_OPEN, Customer, Lead
from gendan.sales.models import OPEN_STATUSES, Order

from .models import AssignmentRule, AssignmentStrategy, Task, TaskStatus

# The open work each record type counts for "least open work", besides open tasks.
_OPEN_RECORDS = {
    "crm.customer": (Customer.objects.all(), "owner"),
    "crm.lead": (Lead.objects.filter(status__in=LEAD_OPEN), "owner"),
    "sales.order": (Order.objects.filter(status__in=OPEN_STATUSES), "owner"),
}


def _assignable_by(actor) -> models.Q:
    """The people `actor` may hand a record to: those whose records stay within the actor's sight."""
    if actor is None or actor.data_scope == DataScope.ALL:
        return models.Q()
    if actor.data_scope == DataScope.OWN or actor.department_id is None:
        return models.Q(pk=actor.pk)
    if actor.data_scope == DataScope.TEAM:
        return models.Q(department_id=actor.department_id) | models.Q(pk=actor.pk)
    return models.Q(department_id__in=department_subtree_ids(actor.department)) | models.Q(pk=actor.pk)


def _count(queryset, owner_field: str):
    per_owner = (
        queryset.filter(**{owner_field: models.OuterRef("pk")})
        .order_by()
        .values(owner_field)
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return Coalesce(models.Subquery(per_owner, output_field=models.IntegerField()), 0)


def _in_turn(candidates: list[User], last_assigned_id: int | None) -> list[User]:
    """The candidates (in id order) starting after the one chosen last."""
    after = [c for c in candidates if last_assigned_id is not None and c.pk > last_assigned_id]
    return after + [c for c in candidates if c not in after]


def _least_open(candidates: list[User], record_type: str, last_assigned_id: int | None) -> User:
    load = _count(Task.objects.filter(status=TaskStatus.OPEN), "assignee")
    if record_type in _OPEN_RECORDS:
        load = load + _count(*_OPEN_RECORDS[record_type])
    loads = dict(User.objects.filter(pk__in=[c.pk for c in candidates]).annotate(load=load).values_list("pk", "load"))
    # min() keeps the first of equals, so ties go in turn.
    return min(_in_turn(candidates, last_assigned_id), key=lambda c: loads[c.pk])


def _by_region(rule: AssignmentRule, region: str, assignable: models.Q) -> User | None:
    """The active rep the region map names for `region` ("浙江省杭州市" matches a "浙江省" entry)."""
    region = (region or "").strip()
    if not region or not rule.region_map:
        return None
    keys = [key for key in rule.region_map if key and region.startswith(key)]
    if not keys:
        return None
    user_id = rule.region_map[max(keys, key=len)]
    return User.objects.filter(assignable, pk=user_id, is_active=True).first()


@transaction.atomic
def assign_owner(record_type: str, *, region: str = "", actor=None) -> User | None:
    """The owner the active assignment rule picks for a new `record_type` ("crm.customer", "sales.order").

    Provided as `gendan.core.hooks.assign_owner` (AutomationConfig.ready()), which the apps below call.

    Only people within `actor`'s data scope are chosen, so the record never lands out of their sight.
    None when no rule is active or it has nobody to choose from; the caller then keeps its own default.
    """
    rule = (
        AssignmentRule.objects.select_for_update()
        .filter(target_model=record_type, is_active=True)
        .order_by("pk")
        .first()
    )
    if rule is None:
        return None
    assignable = _assignable_by(actor)
    if rule.strategy == AssignmentStrategy.REGION:
        mapped = _by_region(rule, region, assignable)
        if mapped is not None:
            # The rotation is left where it was: region picks are not anyone's turn.
            return mapped
    candidates = list(rule.candidates.filter(assignable, is_active=True).order_by("pk"))
    if not candidates:
        return None
    if rule.strategy == AssignmentStrategy.LEAST_OPEN:
        chosen = _least_open(candidates, record_type, rule.last_assigned_id)
    else:
        chosen = _in_turn(candidates, rule.last_assigned_id)[0]
    rule.last_assigned = chosen
    rule.save(update_fields=["last_assigned", "updated_at"])
    return chosen

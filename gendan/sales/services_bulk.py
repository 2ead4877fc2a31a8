"""Actions on a selection of orders (the order list's boxes, POST /api/v1/orders/bulk/assign/): each order on its own."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.core.bounds import selected_ids
from gendan.core.errors import ApplicationError
from gendan.core.services import require_perm

from .models import Order
from .services import check_assign_reason, check_new_owner, order_assign

# The code of an order of the selection the actor does not see (or that does not exist): nothing tells them apart.
NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Refusal:
    id: int
    code: str
    detail: str


@dataclass
class BulkOutcome:
    """The ids of the orders the action went through for, and those it was refused for, with why."""

    done: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def orders_assign(*, order_ids, actor, owner, reason: str = "") -> BulkOutcome:
    """Hands each selected order the actor sees to `owner`, each in its own transaction (services.order_assign).

    The selection, the owner and the reason are checked first, for all: a problem there refuses the whole,
    keyed by field (`orders`, `owner`, `reason`), and nothing changes. Past that, an order refused (out of
    sight, closed, already theirs) is reported with its reason and the others go on.
    """
    require_perm(actor, "sales.assign_order")
    errors = {}
    try:
        ids = selected_ids(order_ids)
    except ValidationError as exc:
        errors["orders"] = exc.messages
    for check in (lambda: check_new_owner(owner), lambda: check_assign_reason(reason)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    visible = Order.objects.visible_to(actor).in_bulk(ids)
    outcome = BulkOutcome()
    for pk in ids:
        order = visible.get(pk)
        if order is None:
            outcome.refused.append(Refusal(pk, NOT_FOUND, _("No such order among those you can see.")))
            continue
        try:
            order_assign(order=order, actor=actor, owner=owner, reason=reason)
        except ApplicationError as exc:
            outcome.refused.append(Refusal(pk, str(exc.code), str(exc.message)))
        else:
            outcome.done.append(pk)
    return outcome

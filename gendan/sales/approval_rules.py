"""The approval rules' vocabulary: what a condition can test, who a level can name, and how each is read.

A rule is data (sales.models.ApprovalRule); this module gives it meaning. Conditions test the
facts of one submission (its lines, total, customer and submitter) and answer the reasons they
found, the same reasons the approver reads. Levels name approvers in the words automation's
recipients use: "approvers", "leader", "role:<role>", "user:<id>".
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import ROLE_PERMISSIONS, Role
from gendan.accounts.scoping import is_visible
from gendan.accounts.selectors import leader_of
from gendan.core.money import HUNDRED, round_money
from gendan.crm.models import Customer

from .models import ACTIONS, ApprovalMode, ApprovalRule, Order, OrderStatus

# Who may decide when a level names "approvers", and whoever decides when a level names nobody who can.
APPROVE_PERMISSION = ACTIONS["approve"][1]
# Orders that count as the customer's orders when asking whether the customer is new.
_COUNTED_STATUSES = [s for s in OrderStatus.values if s not in (OrderStatus.DRAFT, OrderStatus.CANCELLED)]
# Orders whose unpaid total is the customer's exposure: taken and not yet settled.
_EXPOSED_STATUSES = [
    s for s in OrderStatus.values if s not in (OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.CLOSED)
]


@dataclass
class ApprovalFacts:
    """One submission as the conditions see it; the customer's history is read only if a rule asks."""

    record: Order
    lines: list
    submitter: object
    total: Decimal

    @cached_property
    def customer(self) -> Customer:
        """Read afresh: a limit or terms changed a moment ago count."""
        return Customer.objects.only("payment_terms_days", "credit_limit").get(pk=self.record.customer_id)

    @cached_property
    def customer_order_count(self) -> int:
        return (
            Order.objects.filter(customer_id=self.record.customer_id, status__in=_COUNTED_STATUSES)
            .exclude(pk=self.record.pk)
            .count()
        )

    @cached_property
    def customer_exposure(self) -> Decimal:
        """What the customer owes and will owe: the unpaid part of their orders taken and not settled."""
        unpaid = (
            Order.objects.filter(customer_id=self.record.customer_id, status__in=_EXPOSED_STATUSES)
            .exclude(pk=self.record.pk)
            .aggregate(unpaid=models.Sum(models.F("total") - models.F("amount_paid")))["unpaid"]
        )
        return (unpaid or Decimal("0")) + self.total


def _below_floor_price(facts: ApprovalFacts, params: dict) -> list[dict]:
    reasons = []
    for line in facts.lines:
        net_price = line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED
        if net_price < line.product.floor_price:
            reasons.append(
                {
                    "code": "below_floor_price",
                    "line": line.position,
                    "product": line.product.sku,
                    "net_price": str(round_money(net_price)),
                    "floor_price": str(line.product.floor_price),
                }
            )
    return reasons


def _discount_above_limit(facts: ApprovalFacts, params: dict) -> list[dict]:
    limit = facts.submitter.discount_limit
    return [
        {
            "code": "discount_above_limit",
            "line": line.position,
            "product": line.product.sku,
            "discount_percent": str(line.discount_percent),
            "limit": str(limit),
        }
        for line in facts.lines
        if line.discount_percent > limit
    ]


def _total_above(facts: ApprovalFacts, params: dict) -> list[dict]:
    amount = Decimal(params["amount"])
    if facts.total > amount:
        return [{"code": "total_above", "total": str(facts.total), "amount": str(amount)}]
    return []


def _new_customer(facts: ApprovalFacts, params: dict) -> list[dict]:
    below = int(params["orders_below"])
    if facts.customer_order_count < below:
        return [{"code": "new_customer", "orders": facts.customer_order_count, "orders_below": below}]
    return []


def _payment_terms_over(facts: ApprovalFacts, params: dict) -> list[dict]:
    days = int(params["days"])
    terms = facts.customer.payment_terms_days
    if terms > days:
        return [{"code": "payment_terms_over", "terms_days": terms, "days": days}]
    return []


def _credit_exceeded(facts: ApprovalFacts, params: dict) -> list[dict]:
    limit = facts.customer.credit_limit
    # A customer without a credit limit (0) is one the company has not limited.
    if limit and facts.customer_exposure > limit:
        return [{"code": "credit_exceeded", "exposure": str(facts.customer_exposure), "credit_limit": str(limit)}]
    return []


@dataclass(frozen=True)
class Condition:
    label: str
    test: Callable[[ApprovalFacts, dict], list[dict]]
    # The parameter it takes, if any: (name, label, "amount" | "count").
    parameter: tuple[str, str, str] | None = None


CONDITIONS: dict[str, Condition] = {
    "below_floor_price": Condition(_("A line's net price is below the product's floor price"), _below_floor_price),
    "discount_above_limit": Condition(_("A line's discount is above the submitter's limit"), _discount_above_limit),
    "total_above": Condition(_("The total is above an amount"), _total_above, ("amount", _("amount"), "amount")),
    "new_customer": Condition(
        _("A new customer: fewer orders than"), _new_customer, ("orders_below", _("orders"), "count")
    ),
    "payment_terms_over": Condition(
        _("The customer's payment terms are longer than"), _payment_terms_over, ("days", _("days"), "count")
    ),
    "credit_exceeded": Condition(_("The customer's credit limit would be exceeded"), _credit_exceeded),
}


def clean_conditions(conditions) -> tuple[list[dict], list[str]]:
    """The conditions as stored (each with its parameter as a string), and what is wrong with them."""
    if not isinstance(conditions, list) or not conditions:
        return [], [str(_("Choose at least one condition."))]
    cleaned, errors = [], []
    for item in conditions:
        kind = item.get("type") if isinstance(item, dict) else None
        condition = CONDITIONS.get(kind) if isinstance(kind, str) else None
        if condition is None:
            errors.append(str(_("Unknown condition: %(type)s.") % {"type": kind}))
            continue
        entry = {"type": kind}
        if condition.parameter is not None:
            name, label, unit = condition.parameter
            value = _clean_parameter(item.get(name), unit)
            if value is None:
                errors.append(
                    str(
                        _("%(condition)s: give the %(parameter)s.") % {"condition": condition.label, "parameter": label}
                    )
                )
                continue
            entry[name] = value
        if entry in cleaned:
            continue
        cleaned.append(entry)
    return cleaned, errors


def _clean_parameter(value, unit: str):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0:
        return None
    if unit == "count":
        return int(number) if number == number.to_integral_value() else None
    return str(round_money(number))


def clean_levels(levels) -> tuple[list[dict], list[str]]:
    """The levels as stored, and what is wrong with them: each names someone and says any or all."""
    if not isinstance(levels, list) or not levels:
        return [], [str(_("Add at least one level."))]
    user_ids = {
        int(spec.split(":", 1)[1])
        for level in levels
        if isinstance(level, dict)
        for spec in (level.get("approvers") or [])
        if isinstance(spec, str) and spec.startswith("user:") and spec[5:].isdigit()
    }
    active = set(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
    cleaned, errors = [], []
    for number, level in enumerate(levels, start=1):
        approvers = level.get("approvers") if isinstance(level, dict) else None
        mode = level.get("mode", ApprovalMode.ANY) if isinstance(level, dict) else None
        if not isinstance(approvers, list) or not approvers:
            errors.append(str(_("Level %(number)d: name who decides.") % {"number": number}))
            continue
        if mode not in ApprovalMode.values:
            errors.append(str(_("Level %(number)d: choose any one of them or all of them.") % {"number": number}))
            continue
        bad = [spec for spec in approvers if not _valid_approver(spec, active)]
        if bad:
            errors.append(
                str(
                    _("Level %(number)d: nobody is %(specs)s.")
                    % {"number": number, "specs": ", ".join(str(spec) for spec in bad)}
                )
            )
            continue
        cleaned.append({"approvers": list(dict.fromkeys(approvers)), "mode": mode})
    return cleaned, errors


def _valid_approver(spec, active_user_ids: set[int]) -> bool:
    if spec in ("approvers", "leader"):
        return True
    if not isinstance(spec, str):
        return False
    kind, _sep, value = spec.partition(":")
    if kind == "role":
        return value in Role.values
    if kind == "user":
        return value.isdigit() and int(value) in active_user_ids
    return False


def approver_choices() -> list[tuple[str, str]]:
    """Everyone a level can name, for the rule editor."""
    choices = [
        ("approvers", str(_("Whoever may approve (managers and executives over the owner)"))),
        ("leader", str(_("The submitter's team leader"))),
    ]
    choices += [(f"role:{role.value}", str(_("Role: %(role)s") % {"role": role.label})) for role in Role]
    choices += [
        (f"user:{user.pk}", str(user))
        for user in get_user_model()
        .objects.filter(is_active=True)
        .order_by("username")
        .only("pk", "username", "first_name", "last_name")
    ]
    return choices


def rule_reasons(rule: ApprovalRule, facts: ApprovalFacts) -> list[dict]:
    """The reasons the rule finds in the submission: empty when it does not apply."""
    found = []
    for condition in rule.conditions:
        reasons = CONDITIONS[condition["type"]].test(facts, condition)
        if not reasons and rule.match == ApprovalRule.Match.ALL:
            return []
        found += reasons
    return found


def plan_approval(subject: str, facts: ApprovalFacts) -> tuple[list[dict], list[dict]]:
    """The reasons the active rules find, and the levels they require, in rule order; ([], []) when none apply.

    Two rules that ask for the same level (the same people, the same mode) ask for it once.
    """
    reasons, levels = [], []
    for rule in ApprovalRule.objects.filter(applies_to=subject, active=True):
        found = rule_reasons(rule, facts)
        if not found:
            continue
        reasons += [reason for reason in found if reason not in reasons]
        for level in rule.levels:
            if not any(
                planned["approvers"] == level["approvers"] and planned["mode"] == level["mode"] for planned in levels
            ):
                levels.append({"rule": rule.name, **level})
    return reasons, levels


def level_approvers(level: dict, *, record, submitter) -> list:
    """The people who decide `level` for `record`: active, able to see the record, and never the submitter.

    A level whose people are all gone or out of sight falls to whoever may approve, then to the
    administrators, so that no submission waits for nobody.
    """
    users = _named(level["approvers"], submitter) or _named(["approvers"], submitter)
    manager = type(record)._default_manager
    found = [user for user in users if user.pk != submitter.pk and is_visible(manager, record, user)]
    if not found:
        found = list(
            get_user_model().objects.filter(is_active=True, is_superuser=True).exclude(pk=submitter.pk).order_by("pk")
        )
    return found


def _named(specs: list[str], submitter) -> list:
    User = get_user_model()
    condition = models.Q(pk__in=[])
    for spec in specs:
        kind, _sep, value = spec.partition(":")
        if spec == "approvers":
            roles = [role for role, perms in ROLE_PERMISSIONS.items() if APPROVE_PERMISSION in perms]
            condition |= models.Q(role__in=roles) | models.Q(is_superuser=True)
        elif spec == "leader":
            leader = leader_of(submitter)
            if leader is not None:
                condition |= models.Q(pk=leader.pk)
        elif kind == "role":
            condition |= models.Q(role=value)
        elif kind == "user" and value.isdigit():
            condition |= models.Q(pk=int(value))
    return list(User.objects.filter(condition, is_active=True).order_by("pk"))


# The rule every company starts with: the fixed floor price and discount check of before, one level decided
# by any one of whoever may approve. A company that touches nothing approves exactly as it always did.
SHIPPED_APPROVAL_RULES = [
    {
        "system_key": "price_and_discount",
        "name": _("Price below floor or discount above the limit"),
        "applies_to": "order",
        "conditions": [{"type": "below_floor_price"}, {"type": "discount_above_limit"}],
        "match": "any",
        "levels": [{"approvers": ["approvers"], "mode": "any"}],
    }
]


def install_shipped_rules(rule_model) -> list:
    """Add the shipped approval rules that are missing, named in the company's language; works with migration models."""
    rules = []
    with translation.override(settings.LANGUAGE_CODE):
        for definition in SHIPPED_APPROVAL_RULES:
            fields = {key: str(value) if key == "name" else value for key, value in definition.items()}
            key = fields.pop("system_key")
            rule, _created = rule_model.objects.get_or_create(system_key=key, defaults=fields)
            rules.append(rule)
    return rules

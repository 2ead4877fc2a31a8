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
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import ROLE_PERMISSIONS, Role
from gendan.accounts.scoping import is_visible
from gendan.accounts.selectors import head_of, leader_of
from gendan.core.money import HUNDRED, round_money
from gendan.core.numbers import plain_decimal
from gendan.crm.models import Customer

from .credit import customer_exposure
from .models import ACTIONS, ApprovalMode, ApprovalRule, Order, OrderStatus

# Who may decide when a level names "approvers", and whoever decides when a level names nobody who can.
APPROVE_PERMISSION = ACTIONS["approve"][1]
# Orders that count as the customer's orders when asking whether the customer is new.
_COUNTED_STATUSES = [s for s in OrderStatus.values if s not in (OrderStatus.DRAFT, OrderStatus.CANCELLED)]


@dataclass
class ApprovalFacts:
    """One submission as the conditions see it; the customer's history is read only if a rule asks."""

    record: Order
    lines: list
    submitter: object
    total: Decimal
    # A change to a confirmed order: its lines as they are now (lines above are the proposed ones), and the
    # header fields it sets. None for a submission of the record itself.
    current_lines: list | None = None
    header: dict | None = None

    @cached_property
    def customer(self) -> Customer:
        """Read afresh: a limit or terms changed a moment ago count."""
        return Customer.objects.only("payment_terms_days", "credit_limit").get(pk=self.record.customer_id)

    def _other_orders(self, statuses):
        """The customer's orders in `statuses`, but the one submitted (when what is submitted is an order)."""
        orders = Order.objects.filter(customer_id=self.record.customer_id, status__in=statuses)
        return orders.exclude(pk=self.record.pk) if isinstance(self.record, Order) else orders

    @cached_property
    def customer_order_count(self) -> int:
        return self._other_orders(_COUNTED_STATUSES).count()

    @cached_property
    def customer_exposure(self) -> Decimal:
        """What the customer would owe with this: their exposure (sales.credit) less this order's, plus this."""
        excluding = self.record if isinstance(self.record, Order) else None
        return customer_exposure(self.record.customer_id, excluding=excluding) + self.total


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
    # An order's own terms (the customer's unless agreed otherwise); a quotation's or contract's, the customer's.
    terms = facts.record.payment_terms_days if isinstance(facts.record, Order) else facts.customer.payment_terms_days
    if terms > days:
        return [{"code": "payment_terms_over", "terms_days": terms, "days": days}]
    return []


def _credit_exceeded(facts: ApprovalFacts, params: dict) -> list[dict]:
    limit = facts.customer.credit_limit
    # A customer without a credit limit (0) is one the company has not limited.
    if limit and facts.customer_exposure > limit:
        return [{"code": "credit_exceeded", "exposure": str(facts.customer_exposure), "credit_limit": str(limit)}]
    return []


def _days_before_promise(facts: ApprovalFacts, params: dict) -> list[dict]:
    """The freeze by date: the record's promised date (as it stands) is this close, or past."""
    days = int(params["days"])
    promised = getattr(facts.record, "promised_date", None)
    if promised is None:
        return []
    left = (promised - timezone.localdate()).days
    if left <= days:
        return [{"code": "days_before_promise", "days_left": left, "days": days, "promised_date": str(promised)}]
    return []


def _partly_shipped(facts: ApprovalFacts, params: dict) -> list[dict]:
    """The freeze by stage: some of the order's goods have left the warehouse."""
    if facts.current_lines is not None and any(line.shipped_quantity > 0 for line in facts.current_lines):
        return [{"code": "partly_shipped"}]
    return []


def _quantity_raised(facts: ApprovalFacts, params: dict) -> list[dict]:
    """A change that asks for more goods: a line's quantity raised, or a line added."""
    if facts.current_lines is None:
        return []
    before = {line.pk: line.quantity for line in facts.current_lines}
    reasons = []
    for line in facts.lines:
        was = before.get(line.pk, Decimal("0")) if line.pk else Decimal("0")
        if line.quantity > was:
            reasons.append(
                {
                    "code": "quantity_raised",
                    "line": line.position,
                    "product": line.product.sku,
                    "before": str(was),
                    "after": str(line.quantity),
                }
            )
    return reasons


def _date_moved(facts: ApprovalFacts, params: dict) -> list[dict]:
    """A change that moves the promised date."""
    if not facts.header or "promised_date" not in facts.header:
        return []
    before, after = facts.record.promised_date, facts.header["promised_date"]
    if before == after:
        return []
    return [{"code": "date_moved", "before": str(before or ""), "after": str(after or "")}]


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
    # The freeze of a confirmed order: from a stage, or from a number of days before the promised date.
    "days_before_promise": Condition(
        _("The promised date is this close (or past), in days"), _days_before_promise, ("days", _("days"), "count")
    ),
    "partly_shipped": Condition(_("Changes only: goods of the order have already shipped"), _partly_shipped),
    "quantity_raised": Condition(_("Changes only: a quantity is raised or a line added"), _quantity_raised),
    "date_moved": Condition(_("Changes only: the promised date moves"), _date_moved),
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


def clean_levels(levels, *, required: bool = True) -> tuple[list[dict], list[str]]:
    """The levels as stored, and what is wrong with them: each names someone and says any or all.

    A rule that refuses needs none (`required=False`).
    """
    if not required and not levels:
        return [], []
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
    if spec in ("approvers", "leader", "head"):
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
        ("head", str(_("The head of the submitter's department (the top of their branch)"))),
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


def reason_text(reason: dict) -> str:
    """What a reason a condition found says, in the reader's language."""
    if reason.get("code") == "below_floor_price":
        return (
            gettext("Line %(line)s, %(product)s: net price %(net_price)s is below the floor price %(floor_price)s.")
            % reason
        )
    if reason.get("code") == "discount_above_limit":
        return gettext(
            "Line %(line)s, %(product)s: discount %(discount_percent)s%% is above the submitter's limit of %(limit)s%%."
        ) % {
            **reason,
            "discount_percent": plain_decimal(reason["discount_percent"]),
            "limit": plain_decimal(reason["limit"]),
        }
    if reason.get("code") == "total_above":
        return gettext("The total %(total)s is above %(amount)s.") % {
            "total": plain_decimal(reason["total"]),
            "amount": plain_decimal(reason["amount"]),
        }
    if reason.get("code") == "new_customer":
        return gettext("A new customer: %(orders)s earlier orders, fewer than %(orders_below)s.") % reason
    if reason.get("code") == "payment_terms_over":
        return gettext("The customer's payment terms of %(terms_days)s days are longer than %(days)s days.") % reason
    if reason.get("code") == "credit_exceeded":
        return gettext("The customer would owe %(exposure)s, above the credit limit of %(credit_limit)s.") % {
            "exposure": plain_decimal(reason["exposure"]),
            "credit_limit": plain_decimal(reason["credit_limit"]),
        }
    if reason.get("code") == "overdue_hold":
        return gettext("Invoice %(invoice)s is %(days_overdue)s days overdue (%(open_amount)s open).") % {
            **reason,
            "open_amount": plain_decimal(reason["open_amount"]),
        }
    if reason.get("code") == "deposit_unpaid":
        return gettext("The deposit %(instalment)s (%(open_amount)s) was due on %(due_date)s and is not paid.") % {
            **reason,
            "open_amount": plain_decimal(reason["open_amount"]),
        }
    if reason.get("code") == "days_before_promise":
        return (
            gettext("%(days_left)s days left before the promised date %(promised_date)s (frozen from %(days)s days).")
            % reason
        )
    if reason.get("code") == "partly_shipped":
        return gettext("Goods of the order have already shipped.")
    if reason.get("code") == "quantity_raised":
        return gettext("Line %(line)s, %(product)s: quantity raised from %(before)s to %(after)s.") % {
            **reason,
            "before": plain_decimal(reason["before"]),
            "after": plain_decimal(reason["after"]),
        }
    if reason.get("code") == "date_moved":
        return gettext("The promised date moves from %(before)s to %(after)s.") % {
            "before": reason["before"] or "—",
            "after": reason["after"] or "—",
        }
    return str(reason)


def rule_reasons(rule: ApprovalRule, facts: ApprovalFacts) -> list[dict]:
    """The reasons the rule finds in the submission: empty when it does not apply."""
    found = []
    for condition in rule.conditions:
        reasons = CONDITIONS[condition["type"]].test(facts, condition)
        if not reasons and rule.match == ApprovalRule.Match.ALL:
            return []
        found += reasons
    return found


@dataclass
class ApprovalPlan:
    reasons: list[dict]
    levels: list[dict]
    # The rules that refuse the submission outright, each with its reasons: [{"rule", "reasons"}].
    refusals: list[dict]


def plan_approval(subject: str, facts: ApprovalFacts) -> ApprovalPlan:
    """The reasons the active rules find and the levels they require, in rule order, and any refusal.

    Two rules that ask for the same level (the same people, the same mode) ask for it once.
    """
    reasons, levels, refusals = [], [], []
    for rule in ApprovalRule.objects.filter(applies_to=subject, active=True):
        found = rule_reasons(rule, facts)
        if not found:
            continue
        if rule.refuses:
            refusals.append({"rule": rule.name, "reasons": found})
            continue
        reasons += [reason for reason in found if reason not in reasons]
        for level in rule.levels:
            if not any(
                planned["approvers"] == level["approvers"] and planned["mode"] == level["mode"] for planned in levels
            ):
                levels.append({"rule": rule.name, **level})
    return ApprovalPlan(reasons, levels, refusals)


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
        elif spec in ("leader", "head"):
            leader = leader_of(submitter) if spec == "leader" else head_of(submitter)
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
    },
    # The same check for a change to a confirmed order: a change is no way around the price rules.
    {
        "system_key": "change_price_and_discount",
        "name": _("Price below floor or discount above the limit"),
        "applies_to": "order_change",
        "conditions": [{"type": "below_floor_price"}, {"type": "discount_above_limit"}],
        "match": "any",
        "levels": [{"approvers": ["approvers"], "mode": "any"}],
    },
    # Quotations go out without approval until a company switches this on (a price below floor is flagged only).
    {
        "system_key": "quotation_price_and_discount",
        "name": _("Price below floor or discount above the limit"),
        "applies_to": "quotation",
        "conditions": [{"type": "below_floor_price"}, {"type": "discount_above_limit"}],
        "match": "any",
        "levels": [{"approvers": ["approvers"], "mode": "any"}],
        "active": False,
    },
    # Leave to pass a customer's credit limit: decided by whoever may approve until a company names others (a
    # finance manager, a second level above an amount). The condition always holds for an override asked for.
    {
        "system_key": "credit_override",
        "name": _("Credit override: an order past the customer's credit limit"),
        "applies_to": "credit_override",
        "conditions": [{"type": "credit_exceeded"}],
        "match": "any",
        "levels": [{"approvers": ["approvers"], "mode": "any"}],
    },
    # The freeze, off until a company sets its own days: a change this close to the promised date is refused.
    {
        "system_key": "change_freeze",
        "name": _("Freeze: no changes in the last days before the promised date"),
        "applies_to": "order_change",
        "conditions": [{"type": "days_before_promise", "days": 2}],
        "match": "any",
        "levels": [],
        "refuses": True,
        "active": False,
    },
]


def install_shipped_rules(rule_model, keys=None) -> list:
    """Add the shipped approval rules that are missing (of `keys`, else all), named in the company's language.

    Works with migration models: a migration names the rules its schema can hold.
    """
    rules = []
    with translation.override(settings.LANGUAGE_CODE):
        for definition in SHIPPED_APPROVAL_RULES:
            if keys is not None and definition["system_key"] not in keys:
                continue
            fields = {key: str(value) if key == "name" else value for key, value in definition.items()}
            key = fields.pop("system_key")
            rule, _created = rule_model.objects.get_or_create(system_key=key, defaults=fields)
            rules.append(rule)
    return rules

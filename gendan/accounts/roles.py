"""Roles: what each may do (Django permission names, granted by RoleBackend) and what it may see (data scope)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES_REP = "sales_rep", _("Sales rep")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    ORDER_FOLLOWER = "order_follower", _("Order follower")
    WAREHOUSE = "warehouse", _("Warehouse")
    PRODUCTION = "production", _("Production")
    LOGISTICS = "logistics", _("Logistics")
    FINANCE = "finance", _("Finance")
    AFTER_SALES = "after_sales", _("After-sales")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Administrator")


class DataScope(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("Team's records")
    DEPARTMENT = "department", _("Department's records (with sub-teams)")
    ALL = "all", _("All records")


ROLE_SCOPES = {
    Role.SALES_REP: DataScope.OWN,
    Role.SALES_MANAGER: DataScope.DEPARTMENT,
    Role.ORDER_FOLLOWER: DataScope.TEAM,
    Role.WAREHOUSE: DataScope.ALL,
    Role.PRODUCTION: DataScope.ALL,
    Role.LOGISTICS: DataScope.ALL,
    Role.FINANCE: DataScope.ALL,
    Role.AFTER_SALES: DataScope.ALL,
    Role.EXECUTIVE: DataScope.ALL,
    Role.ADMIN: DataScope.ALL,
}

# The people who may own customers, orders, contracts and meetings: those who sell.
SELLING_ROLES = [Role.SALES_REP, Role.SALES_MANAGER, Role.ORDER_FOLLOWER, Role.EXECUTIVE, Role.ADMIN]

# People who own what they enter: a record they create without naming an owner is theirs.
OWNERS_OF_WHAT_THEY_ENTER = frozenset({Role.SALES_REP, Role.ORDER_FOLLOWER})


def assigns_automatically(actor) -> bool:
    """Whether a record `actor` enters without an owner goes to the assignment rule rather than to them."""
    return actor is None or actor.role not in OWNERS_OF_WHAT_THEY_ENTER


# The largest discount a role may give without approval, in percent.
ROLE_DISCOUNT_LIMITS = {
    Role.SALES_REP: Decimal("10"),
    # Followers enter orders on the reps' behalf, within the same limit.
    Role.ORDER_FOLLOWER: Decimal("10"),
    Role.SALES_MANAGER: Decimal("30"),
    Role.EXECUTIVE: Decimal("100"),
    Role.ADMIN: Decimal("100"),
}

_VIEW_ALL = [
    "crm.view_customer",
    "catalog.view_product",
    "inventory.view_warehouse",
    "inventory.view_stocklevel",
    "inventory.view_stockmove",
    "sales.view_order",
    "sales.view_quotation",
    "fulfillment.view_shipment",
    "finance.view_invoice",
    "finance.view_creditnote",
    "finance.view_payment",
    "finance.view_statement",
]
_SELL = [
    "crm.add_customer",
    "crm.change_customer",
    "sales.add_order",
    "sales.change_order",
    "sales.submit_order",
    "sales.cancel_order",
    "sales.hold_order",
]

# The customer relationship beyond the profile: follow-ups, meetings, contracts, leads and opportunities
# (crm), for the people who sell.
_CRM_VIEW = ["crm.view_followup", "crm.view_meeting", "crm.view_contract", "crm.view_lead", "crm.view_opportunity"]
_CRM = [
    *_CRM_VIEW,
    "crm.add_followup",
    "crm.add_meeting",
    "crm.change_meeting",
    "crm.add_contract",
    "crm.change_contract",
    "crm.add_lead",
    "crm.change_lead",
    "crm.add_opportunity",
    "crm.change_opportunity",
]

# Quotations (报价单): written and sent by the people who sell; everyone else reads them within their scope.
_QUOTE = ["sales.add_quotation", "sales.change_quotation", "sales.send_quotation"]

# Event webhooks send every change to another system: only administrators set them up.
_WEBHOOKS = [
    "automation.view_eventwebhook",
    "automation.add_eventwebhook",
    "automation.change_eventwebhook",
    "automation.delete_eventwebhook",
]

# Custom fields change every form of the records they are on: only administrators set them up.
_CUSTOM_FIELDS = ["core.view_customfield", "core.add_customfield", "core.change_customfield"]

ROLE_PERMISSIONS = {
    Role.SALES_REP: [*_VIEW_ALL, *_SELL, *_CRM, *_QUOTE],
    # The team leader's role (team scope): sets the targets of the reps of their own team.
    Role.ORDER_FOLLOWER: [*_VIEW_ALL, *_SELL, *_CRM, "fulfillment.add_shipment", "analytics.set_target"],
    Role.SALES_MANAGER: [
        *_VIEW_ALL,
        *_SELL,
        *_CRM,
        *_QUOTE,
        "sales.approve_order",
        "sales.assign_order",
        "catalog.view_cost",
        "automation.view_team_tasks",
        "analytics.set_target",
    ],
    Role.WAREHOUSE: [
        *_VIEW_ALL,
        "inventory.add_stockmove",
        "fulfillment.add_shipment",
        "fulfillment.ship_shipment",
        "fulfillment.deliver_shipment",
    ],
    Role.PRODUCTION: [*_VIEW_ALL],
    Role.LOGISTICS: [
        *_VIEW_ALL,
        "fulfillment.add_shipment",
        "fulfillment.ship_shipment",
        "fulfillment.deliver_shipment",
    ],
    Role.FINANCE: [
        *_VIEW_ALL,
        "catalog.view_cost",
        "finance.add_invoice",
        "finance.issue_invoice",
        "finance.add_creditnote",
        "finance.add_payment",
        "finance.add_statement",
        "finance.send_statement",
        "sales.hold_order",
        "crm.view_contract",
    ],
    Role.AFTER_SALES: [*_VIEW_ALL, *_CRM_VIEW],
    Role.EXECUTIVE: [
        *_VIEW_ALL,
        *_CRM_VIEW,
        "sales.approve_order",
        "catalog.view_cost",
        "automation.view_team_tasks",
        "analytics.set_target",
        "analytics.view_alertrule",
        "analytics.change_alertrule",
    ],
    Role.ADMIN: [
        *_WEBHOOKS,
        *_CUSTOM_FIELDS,
        *_VIEW_ALL,
        *_SELL,
        *_CRM,
        *_QUOTE,
        "sales.approve_order",
        "sales.assign_order",
        "catalog.view_cost",
        "catalog.add_product",
        "catalog.change_product",
        "catalog.add_unitofmeasure",
        "catalog.change_unitofmeasure",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "inventory.add_stockmove",
        "fulfillment.add_shipment",
        "fulfillment.ship_shipment",
        "fulfillment.deliver_shipment",
        "finance.add_invoice",
        "finance.issue_invoice",
        "finance.add_creditnote",
        "finance.add_payment",
        "finance.add_statement",
        "finance.send_statement",
        # Moderation: an administrator removes anyone's comment or file (authors remove their own).
        "automation.remove_any_comment",
        "automation.view_rule",
        "automation.add_rule",
        "automation.change_rule",
        "sales.view_approvalrule",
        "sales.change_approvalrule",
        "analytics.set_target",
        "analytics.view_alertrule",
        "analytics.change_alertrule",
    ],
}

"""The rules Gendan ships, on by default: ordinary Rule rows, editable and switchable like any other.

Installed by a data migration (and by `install` in tests whose database was flushed). Each has
a system_key, so installing again adds what is missing and never touches a rule someone edited.
Names and texts are stored in the company's language (settings.LANGUAGE_CODE) at install time.

Dates: a date rule counts from the END of the record's date ("by the promised date" means
until that day is over), so offset 0 on a due date fires as the next day begins.
"""

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

HOUR = 60
DAY = 24 * HOUR


# What ends the wait for a change's approval level: the level decided, the change settled, the order cancelled.
_CHANGE_SETTLED = [
    "order.change_approval_advanced",
    "order.change_applied",
    "order.change_rejected",
    "order.change_cancelled",
    "order.change_stale",
    "order.cancelled",
]


def _approval_wait(assignee: str, *, change: bool = False) -> dict:
    """Each approval level's wait: 4 working hours, then a task for `assignee`, escalated while it stays open.

    A level approved ends its wait ("order.approval_advanced") and starts the next level's. `change`: the
    wait of a change to a confirmed order, whose status says nothing of it: its own verbs end the wait.
    """
    return {
        "trigger": "after_event",
        "target_model": "sales.order",
        "unless_verbs": _CHANGE_SETTLED
        if change
        else ["order.approval_advanced", "order.approved", "order.rejected", "order.cancelled"],
        "offset_minutes": 4 * HOUR,
        "business_hours": True,
        "conditions": [] if change else [{"field": "status", "op": "eq", "value": "pending_approval"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": assignee,
                "title": _("Approve or reject the change to order {number} ({customer})")
                if change
                else _("Approve or reject order {number} ({customer})"),
                "due_in_hours": 1,
                "priority": "urgent",
            }
        ],
        "escalation_hours": [2, 4, 8],
    }


def _customer_reminder(key, name, description, offset_minutes, subject, body, *, instalment=False) -> dict:
    """An e-mail to the customer of an issued invoice (an open instalment), `offset_minutes` from its due date."""
    return {
        "system_key": key,
        "name": name,
        "description": description,
        "trigger": "date",
        "target_model": "finance.instalment" if instalment else "finance.invoice",
        "date_field": "due_date",
        "offset_minutes": offset_minutes,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "open" if instalment else "issued"}],
        "actions": [{"type": "email_customer", "title": subject, "body": body}],
    }


SHIPPED_RULES = [
    {
        "system_key": "customer_not_contacted_24h",
        "name": _("New customer not contacted within 24 hours"),
        "description": _(
            "A day after a customer is created, the owner gets a task to contact them, unless a follow-up, "
            "a quotation or an order was recorded for the customer, or a task about them was completed."
        ),
        "trigger": "after_event",
        "target_model": "crm.customer",
        "event_verb": "customer.created",
        # Quotations will count as soon as their service records this verb on the customer.
        "unless_verbs": ["followup.created", "quotation.created", "order.created", "task.completed"],
        "offset_minutes": 24 * HOUR,
        "business_hours": False,
        "conditions": [],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Contact the new customer {record}"),
                "due_in_hours": 4,
                "priority": "high",
            }
        ],
        "escalation_hours": [4, 24],
    },
    {
        "system_key": "lead_not_contacted_24h",
        "name": _("New lead not contacted within 24 hours"),
        "description": _(
            "A day after a lead is entered, its owner gets a task to contact it, unless it was contacted, converted "
            "or disqualified, or a task about it was completed."
        ),
        "trigger": "after_event",
        "target_model": "crm.lead",
        "event_verb": "lead.created",
        "unless_verbs": ["lead.contacted", "lead.converted", "lead.disqualified", "task.completed"],
        "offset_minutes": 24 * HOUR,
        "business_hours": False,
        "conditions": [{"field": "status", "op": "eq", "value": "new"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Contact the new lead {record}"),
                "due_in_hours": 4,
                "priority": "high",
            }
        ],
        "escalation_hours": [4, 24],
    },
    {
        "system_key": "quote_not_sent_48h",
        "name": _("Quotation not sent within 48 hours of the proposal stage"),
        "description": _(
            "48 hours after an opportunity moves to the proposal stage, its owner gets a task to send a quotation, "
            "unless a quotation for the opportunity or its customer was sent in the meantime."
        ),
        "trigger": "after_event",
        "target_model": "crm.opportunity",
        "event_verb": "opportunity.stage_changed",
        # A quotation naming the deal, or one for the deal's customer naming no deal (rules.scanning._mooted).
        "unless_verbs": ["quotation.sent"],
        "offset_minutes": 48 * HOUR,
        "business_hours": False,
        "conditions": [
            # The move into proposal (not any other move; the worker may see the event late) ...
            {"field": "event:stage", "op": "eq", "value": "proposal"},
            # ... and the deal still there 48 hours later: moved on, won or lost, there is nothing to chase.
            {"field": "stage", "op": "eq", "value": "proposal"},
        ],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Send a quotation for {record} ({customer})"),
                "due_in_hours": 8,
                "priority": "high",
            }
        ],
        "escalation_hours": [8, 24],
    },
    {
        "system_key": "customer_no_followup_30d",
        "name": _("Customer without a follow-up for 30 days"),
        "description": _(
            "30 days after a customer's last follow-up (or its creation, when it has none), the owner gets a task "
            "to follow up. Every follow-up starts the 30 days again."
        ),
        "trigger": "date",
        "target_model": "crm.customer",
        # Kept by crm.services_followups: the newest follow-up's time, else when the customer was created.
        "date_field": "quiet_since",
        "offset_minutes": 30 * DAY,
        "business_hours": True,
        "conditions": [],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("No follow-up with {record} for 30 days"),
                "due_in_hours": 8,
                "priority": "normal",
            }
        ],
        "escalation_hours": [8],
    },
    {
        "system_key": "meeting_in_1h",
        "name": _("Meeting in 1 hour"),
        "description": _("An hour before a planned meeting with a customer, its owner is reminded."),
        "trigger": "date",
        "target_model": "crm.meeting",
        "date_field": "starts_at",
        "offset_minutes": -HOUR,
        "business_hours": False,
        "conditions": [{"field": "status", "op": "eq", "value": "planned"}],
        "actions": [
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Meeting with {customer} in an hour: {record}"),
                "body": "",
            }
        ],
        "escalation_hours": [],
    },
    {
        "system_key": "contract_expiring_60d",
        "name": _("Contract expiring in 60 days"),
        "description": _("60 days before a contract in force ends, its owner is told, to start talking about renewal."),
        "trigger": "date",
        "target_model": "crm.contract",
        # A date counts to the end of that day: 60 days before it, 60 days of the contract are left.
        "date_field": "end_date",
        "offset_minutes": -60 * DAY,
        "business_hours": False,
        "conditions": [{"field": "status", "op": "eq", "value": "active"}],
        "actions": [
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Contract {number} with {customer} ends on {date}"),
                "body": _("Time to talk about renewing it."),
            }
        ],
        "escalation_hours": [],
    },
    {
        "system_key": "contract_expiring_30d",
        "name": _("Contract expiring in 30 days"),
        "description": _("30 days before a contract in force ends, its owner gets a task to renew it."),
        "trigger": "date",
        "target_model": "crm.contract",
        "date_field": "end_date",
        "offset_minutes": -30 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "active"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Renew contract {number} with {customer} (ends {date})"),
                "due_in_hours": 24,
                "priority": "normal",
            }
        ],
        "escalation_hours": [24],
    },
    {
        "system_key": "contract_expiring_7d",
        "name": _("Contract expiring in 7 days"),
        "description": _(
            "7 days before a contract in force ends, its owner gets an urgent task, escalated to the team leader "
            "if it stays open."
        ),
        "trigger": "date",
        "target_model": "crm.contract",
        "date_field": "end_date",
        "offset_minutes": -7 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "active"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Contract {number} with {customer} ends on {date}: renew it or let it end"),
                "due_in_hours": 8,
                "priority": "high",
            }
        ],
        "escalation_hours": [8, 24],
    },
    {
        "system_key": "approval_waiting_4h",
        "name": _("Approval waiting more than 4 working hours"),
        "description": _(
            "An order waiting for approval 4 working hours after it was submitted: a task for the nearest sales "
            "manager above the owner (someone who may approve), escalated if it stays open."
        ),
        "event_verb": "order.submitted",
        # A manager, not merely the team leader: a team may be led by a rep who cannot approve.
        **_approval_wait("role:sales_manager"),
    },
    {
        "system_key": "approval_level_waiting_4h",
        "name": _("Next approval level waiting more than 4 working hours"),
        "description": _(
            "An order one approval level further and still waiting 4 working hours later: a task for the next "
            "level's approvers, escalated if it stays open."
        ),
        "event_verb": "order.approval_advanced",
        **_approval_wait("approvers"),
    },
    {
        "system_key": "change_approval_waiting_4h",
        "name": _("Order change waiting for approval more than 4 working hours"),
        "description": _(
            "A change to a confirmed order still waiting at an approval level 4 working hours after it got there: a "
            "task for that level's approvers, escalated if it stays open."
        ),
        "event_verb": "order.change_submitted",
        **_approval_wait("approvers", change=True),
    },
    {
        "system_key": "change_approval_level_waiting_4h",
        "name": _("Next approval level of an order change waiting more than 4 working hours"),
        "description": _(
            "A change to an order one approval level further and still waiting 4 working hours later: a task for "
            "the next level's approvers, escalated if it stays open."
        ),
        "event_verb": "order.change_approval_advanced",
        **_approval_wait("approvers", change=True),
    },
    {
        "system_key": "order_ship_warning_1d",
        "name": _("Order due to ship tomorrow and not shipped"),
        "description": _("A day before an order's promised date, its owner is warned if it has not shipped."),
        "trigger": "date",
        "target_model": "sales.order",
        "date_field": "promised_date",
        "offset_minutes": -DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "in", "value": ["confirmed", "partially_shipped", "on_hold"]}],
        "actions": [
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Order {number} is promised for {date} and has not shipped"),
                "body": _("Customer: {customer}."),
            }
        ],
        "escalation_hours": [],
    },
    {
        "system_key": "order_not_shipped_by_promised_date",
        "name": _("Order not shipped by its promised date"),
        "description": _("When an order's promised date is over and it has not shipped, its owner gets a task."),
        "trigger": "date",
        "target_model": "sales.order",
        "date_field": "promised_date",
        "offset_minutes": 0,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "in", "value": ["confirmed", "partially_shipped", "on_hold"]}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Order {number} missed its promised date {date}"),
                "due_in_hours": 4,
                "priority": "high",
            }
        ],
        "escalation_hours": [4, 8, 16],
    },
    {
        "system_key": "statement_disputed",
        "name": _("Customer disputes a statement: a task for finance"),
        "description": _(
            "When a customer disputes lines of a statement through its link, the finance person nearest the "
            "customer's owner gets a task to look into them, due in two working days, escalated if it stays open."
        ),
        "trigger": "event",
        "target_model": "crm.customer",
        "event_verb": "statement.disputed",
        "unless_verbs": [],
        "offset_minutes": 0,
        "business_hours": True,
        "conditions": [],
        "actions": [
            {
                "type": "create_task",
                "assignee": "role:finance",
                "title": _("{customer} disputes a statement: look into it and resolve it"),
                "due_in_hours": 16,
                "priority": "high",
            }
        ],
        "escalation_hours": [16, 40],
    },
    {
        "system_key": "invoice_due_soon",
        "name": _("Invoice due in 3 days"),
        "description": _(
            "3 days before an issued invoice is due, the order's owner is reminded to ask the customer for payment, "
            "so it is paid on time."
        ),
        "trigger": "date",
        "target_model": "finance.invoice",
        "date_field": "due_date",
        "offset_minutes": -3 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "issued"}],
        "actions": [
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Invoice {number} of {customer} is due on {date}"),
                "body": _("Remind the customer now, so it is paid on time."),
            },
        ],
    },
    {
        "system_key": "invoice_overdue",
        "name": _("Invoice overdue"),
        "description": _(
            "When an issued invoice's due date is over, finance gets a task to collect it and the order's owner "
            "is told."
        ),
        "trigger": "date",
        "target_model": "finance.invoice",
        "date_field": "due_date",
        "offset_minutes": 0,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "issued"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "role:finance",
                "title": _("Collect overdue invoice {number} from {customer}"),
                "due_in_hours": 8,
                "priority": "high",
            },
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Invoice {number} of {customer} is overdue"),
                "body": _("It was due on {date}."),
            },
        ],
        "escalation_hours": [8, 24],
    },
    # What the customer reads (催款函): the company edits these texts in the rule editor.
    _customer_reminder(
        "invoice_due_soon_customer",
        _("Payment reminder to the customer 3 days before the due date"),
        _("3 days before an issued invoice is due, the customer is e-mailed a friendly payment reminder."),
        -3 * DAY,
        _("Payment reminder: invoice {number} is due on {date}"),
        _(
            "Dear {customer},\n\nA friendly reminder that invoice {number}, with {amount} open, is due on {date}. "
            "If you have paid it already, thank you, and please ignore this message.\n\n"
            "For any question, please contact {owner}."
        ),
    ),
    _customer_reminder(
        "invoice_overdue_customer",
        _("Overdue notice to the customer the day after the due date"),
        _("The day after an issued invoice fell due unpaid, the customer is e-mailed a polite overdue notice."),
        DAY,
        _("Invoice {number} is overdue"),
        _(
            "Dear {customer},\n\nOur records show that invoice {number}, due on {date}, still has {amount} open. "
            "Please arrange the payment soon; if it is on its way, thank you, and please let us know.\n\n{owner}"
        ),
    ),
    _customer_reminder(
        "invoice_overdue_firm_customer",
        _("Firm reminder to the customer 15 days after the due date"),
        _("15 days after an issued invoice fell due unpaid, the customer is e-mailed a firm reminder."),
        15 * DAY,
        _("Second reminder: invoice {number} is 15 days overdue"),
        _(
            "Dear {customer},\n\nInvoice {number}, due on {date}, is 15 days overdue with {amount} open. "
            "Please pay it within 7 days. While an invoice stays unpaid 30 days after its due date, we have to "
            "hold further shipments to you.\n\n{owner}"
        ),
    ),
    # An order's instalments (分期付款), due some days after a step of the order: reminded like invoices.
    {
        "system_key": "instalment_due_soon",
        "name": _("Instalment due in 3 days"),
        "description": _("3 days before an open instalment of an order is due, the order's owner is reminded."),
        "trigger": "date",
        "target_model": "finance.instalment",
        "date_field": "due_date",
        "offset_minutes": -3 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "open"}],
        "actions": [
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Instalment {number} of {customer} ({amount}) is due on {date}"),
                "body": _("Remind the customer now, so it is paid on time."),
            },
        ],
    },
    {
        "system_key": "instalment_overdue",
        "name": _("Instalment overdue"),
        "description": _(
            "When an open instalment's due date is over, finance gets a task to collect it and the order's owner "
            "is told."
        ),
        "trigger": "date",
        "target_model": "finance.instalment",
        "date_field": "due_date",
        "offset_minutes": 0,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "open"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "role:finance",
                "title": _("Collect instalment {number} ({amount}) from {customer}"),
                "due_in_hours": 8,
                "priority": "high",
            },
            {
                "type": "notify",
                "recipient": "owner",
                "title": _("Instalment {number} of {customer} is overdue"),
                "body": _("It was due on {date}."),
            },
        ],
        "escalation_hours": [8, 24],
    },
    _customer_reminder(
        "instalment_due_soon_customer",
        _("Instalment reminder to the customer 3 days before the due date"),
        _("3 days before an open instalment is due, the customer is e-mailed a friendly payment reminder."),
        -3 * DAY,
        _("Payment reminder: instalment {number} is due on {date}"),
        _(
            "Dear {customer},\n\nA friendly reminder that instalment {number} of your order, {amount}, is due on "
            "{date}. If you have paid it already, thank you, and please ignore this message.\n\n"
            "For any question, please contact {owner}."
        ),
        instalment=True,
    ),
    _customer_reminder(
        "instalment_overdue_customer",
        _("Overdue instalment notice to the customer the day after the due date"),
        _("The day after an open instalment fell due unpaid, the customer is e-mailed a polite overdue notice."),
        DAY,
        _("Instalment {number} is overdue"),
        _(
            "Dear {customer},\n\nOur records show that instalment {number} of your order, due on {date}, still has "
            "{amount} open. Please arrange the payment soon; if it is on its way, thank you, and please let us "
            "know.\n\n{owner}"
        ),
        instalment=True,
    ),
    # The dunning ladder (催款): friendly at the due date (above), firm two weeks on, and from OVERDUE_HOLD_DAYS
    # (30) the customer's further shipments are held (sales.credit) and everyone who ships is told.
    {
        "system_key": "invoice_overdue_firm",
        "name": _("Invoice 15 days overdue: a firm reminder"),
        "description": _(
            "15 days after an issued invoice fell due, its owner gets a task to call the customer with a firm "
            "reminder, and their team leader is told."
        ),
        "trigger": "date",
        "target_model": "finance.invoice",
        "date_field": "due_date",
        "offset_minutes": 15 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "issued"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": _("Call {customer}: invoice {number} is 15 days overdue"),
                "due_in_hours": 8,
                "priority": "high",
            },
            {
                "type": "notify",
                "recipient": "team_leader",
                "title": _("Invoice {number} of {customer} is 15 days overdue"),
                "body": _("It was due on {date}. Its owner has a task to call the customer."),
            },
        ],
        "escalation_hours": [8, 24],
    },
    {
        "system_key": "invoice_overdue_hold",
        "name": _("Invoice 30 days overdue: shipments held"),
        "description": _(
            "30 days after an issued invoice fell due, the customer's further shipments are held until it is paid "
            "or a credit override is approved for an order; its owner, finance and logistics are told."
        ),
        "trigger": "date",
        "target_model": "finance.invoice",
        "date_field": "due_date",
        "offset_minutes": 30 * DAY,
        "business_hours": True,
        "conditions": [{"field": "status", "op": "eq", "value": "issued"}],
        "actions": [
            {
                "type": "notify",
                "recipient": spec,
                "title": _("Shipments to {customer} are held: invoice {number} is 30 days overdue"),
                "body": _(
                    "It was due on {date}. Nothing more ships to them until it is paid or an override is approved."
                ),
            }
            for spec in ("owner", "role:finance", "role:logistics")
        ],
        "escalation_hours": [],
    },
]


def _order_notice(key, name, description, verb, title, body="", *, recipient="owner", conditions=(), also=()):
    """A notice at one step of an order: sent when `verb` happens to the order (or to a record of it).

    `also`: more recipients told the same.
    """
    return {
        "system_key": key,
        "name": name,
        "description": description,
        "trigger": "event",
        "target_model": "sales.order",
        "event_verb": verb,
        "unless_verbs": [],
        "offset_minutes": 0,
        "business_hours": False,
        "conditions": list(conditions),
        "actions": [{"type": "notify", "recipient": spec, "title": title, "body": body} for spec in (recipient, *also)],
        "escalation_hours": [],
    }


# Each one's key is the kind of notice it sends (automation.models.NotificationKind), so people
# choose channels for each step; the person who took the step is not told of it.
SHIPPED_RULES += [
    _order_notice(
        "order.approval_needed",
        _("Order waiting for approval: tell the approvers"),
        _(
            "When an order is submitted and needs approval, everyone who may approve it (the sales managers and "
            "executives whose data scope covers its owner) is told at once; the submitter is not."
        ),
        "order.submitted",
        _("Order {number} ({customer}) waits for your approval"),
        _("Owner: {owner}."),
        recipient="approvers",
        conditions=[{"field": "event:status", "op": "eq", "value": "pending_approval"}],
    ),
    _order_notice(
        "order.approval_needed#next_level",
        _("Order approved at one level: tell the next level's approvers"),
        _("When one approval level approves an order and another level follows, that level's approvers are told."),
        "order.approval_advanced",
        _("Order {number} ({customer}) waits for your approval"),
        _("Owner: {owner}. An earlier level approved it."),
        recipient="approvers",
    ),
    _order_notice(
        "order.approved",
        _("Order approved: tell the owner"),
        _("When an order is approved, its owner is told, with the approver's comment."),
        "order.approved",
        _("Order {number} ({customer}) is approved"),
        "{comment}",
    ),
    _order_notice(
        "order.rejected",
        _("Order rejected: tell the owner"),
        _("When an order is rejected, its owner is told why."),
        "order.rejected",
        _("Order {number} ({customer}) is rejected"),
        _("Reason: {comment}"),
    ),
    _order_notice(
        "order.confirmed",
        _("Order confirmed: tell the owner"),
        _("When an order is confirmed (its stock reserved), its owner is told, unless they confirmed it themselves."),
        "order.confirmed",
        _("Order {number} ({customer}) is confirmed"),
    ),
    _order_notice(
        "order.to_warehouse",
        _("Order confirmed: tell its warehouse"),
        _("When an order is confirmed, the staff of the warehouse it ships from are told, to prepare its goods."),
        "order.confirmed",
        _("Order {number} ({customer}) is confirmed: prepare its goods"),
        recipient="warehouse_staff",
    ),
    _order_notice(
        "order.shipped",
        _("Goods shipped: tell the order's owner"),
        _(
            "When a shipment of an order leaves the warehouse, the order's owner is told the carrier and tracking number."
        ),
        "shipment.shipped",
        _("Goods of order {number} ({customer}) have shipped"),
        _("Carrier: {carrier}. Tracking number: {tracking_number}."),
    ),
    _order_notice(
        "order.delivered",
        _("Goods delivered: tell the order's owner"),
        _("When a shipment of an order is delivered, the order's owner is told who signed for it."),
        "shipment.delivered",
        _("Goods of order {number} ({customer}) are delivered"),
        _("Signed for by {signed_by}."),
    ),
    _order_notice(
        "order.invoiced",
        _("Invoice issued: tell the order's owner"),
        _("When an invoice for an order is issued, the order's owner is told."),
        "invoice.issued",
        _("Order {number} ({customer}) is invoiced"),
    ),
    _order_notice(
        "order.paid",
        _("Order paid in full: tell the owner"),
        _("When the payments for an order cover everything invoiced for it, its owner is told."),
        "order.paid",
        _("Order {number} ({customer}) is paid in full"),
    ),
    _order_notice(
        "order.closed",
        _("Order closed: tell the owner"),
        _("When an order is delivered and paid, and so closed, its owner is told."),
        "order.closed",
        _("Order {number} ({customer}) is closed"),
    ),
    _order_notice(
        "order.held",
        _("Order put on hold: tell the owner"),
        _("When an order is put on hold, its owner is told why."),
        "order.held",
        _("Order {number} ({customer}) is on hold"),
        _("Reason: {reason}"),
    ),
    _order_notice(
        "order.approval_needed#change",
        _("Order change waiting for approval: tell the approvers"),
        _("When a change to a confirmed order needs approval, the first level's approvers are told at once."),
        "order.change_submitted",
        _("A change to order {number} ({customer}) waits for your approval"),
        _("Reason: {reason}"),
        recipient="approvers",
    ),
    _order_notice(
        "order.approval_needed#change_next_level",
        _("Order change approved at one level: tell the next level's approvers"),
        _("When one approval level approves a change to an order and another level follows, that level is told."),
        "order.change_approval_advanced",
        _("A change to order {number} ({customer}) waits for your approval"),
        _("An earlier level approved it."),
        recipient="approvers",
    ),
    _order_notice(
        "order.rejected#change",
        _("Order change rejected: tell the owner"),
        _("When a change to an order is rejected, the order's owner is told why; the order stays as it was."),
        "order.change_rejected",
        _("The change to order {number} ({customer}) is rejected"),
        _("Reason: {comment}"),
    ),
    _order_notice(
        "order.approval_needed#credit_override",
        _("Credit override asked for: tell the approvers"),
        _(
            "When a rep asks to take an order past its customer's credit limit, the first level's approvers are "
            "told at once, with the figures and the reason."
        ),
        "order.credit_override_requested",
        _("Order {number} ({customer}) would pass the credit limit: your approval is asked"),
        _("Owed with this order: {exposure}, over the credit limit of {credit_limit} by {over_by}. Reason: {reason}"),
        recipient="approvers",
    ),
    _order_notice(
        "order.approval_needed#credit_override_next_level",
        _("Credit override approved at one level: tell the next level's approvers"),
        _("When one approval level approves a credit override and another level follows, that level is told."),
        "order.credit_override_advanced",
        _("Order {number} ({customer}) would pass the credit limit: your approval is asked"),
        _("An earlier level approved it."),
        recipient="approvers",
    ),
    _order_notice(
        "order.approved#credit_override",
        _("Credit override approved: tell the owner"),
        _("When a credit override is approved, the order's owner is told until when the order may pass the limit."),
        "order.credit_override_approved",
        _("Order {number} ({customer}) may pass the credit limit"),
        "{comment}",
    ),
    _order_notice(
        "order.rejected#credit_override",
        _("Credit override rejected: tell the owner"),
        _("When a credit override is rejected, the order's owner is told why; the order stays within the limit."),
        "order.credit_override_rejected",
        _("The credit override of order {number} ({customer}) is rejected"),
        _("Reason: {comment}"),
    ),
    _order_notice(
        "order.changed",
        _("Order changed: tell everyone responsible"),
        _(
            "When a change to a confirmed order is applied, its owner, the staff of its warehouse, logistics and "
            "finance are told, with the comparison of the revision before and the new one."
        ),
        "order.change_applied",
        _("Order {number} ({customer}) changed: revision {revision}"),
        _("Reason: {reason}"),
        also=("warehouse_staff", "role:logistics", "role:finance"),
    ),
    _order_notice(
        "order.assigned",
        _("Order handed to a new owner: tell them"),
        _(
            "When an order is handed to someone else (by a manager, or by the assignment rule), its new owner is "
            "told, unless they took it themselves."
        ),
        "order.assigned",
        _("Order {number} ({customer}) is now yours"),
        "{reason}",
    ),
    _order_notice(
        "order.cancelled",
        _("Order cancelled: tell the owner"),
        _("When an order is cancelled, its owner is told why."),
        "order.cancelled",
        _("Order {number} ({customer}) is cancelled"),
        _("Reason: {reason}"),
    ),
]


def _approval_rules(
    subject: str, model: str, *, needed, title, next_title, approved, approved_title, refused, refused_title
):
    """The notices and waits of one kind of record's approvals (a quotation's, a contract's), as an order's."""
    verbs = {
        "submitted": f"{subject}.submitted",
        "advanced": f"{subject}.approval_advanced",
        "approved": f"{subject}.approved",
        "refused": f"{subject}.approval_rejected",
    }

    def notice(key, name, description, verb, title, body="", recipient="owner"):
        return {
            **_order_notice(key, name, description, verb, title, body, recipient=recipient),
            "target_model": model,
        }

    def wait(key, name, description, verb):
        return {
            "system_key": key,
            "name": name,
            "description": description,
            "trigger": "after_event",
            "target_model": model,
            "event_verb": verb,
            "unless_verbs": [verbs["advanced"], verbs["approved"], verbs["refused"]],
            "offset_minutes": 4 * HOUR,
            "business_hours": True,
            "conditions": [{"field": "status", "op": "eq", "value": "pending_approval"}],
            "actions": [
                {
                    "type": "create_task",
                    "assignee": "approvers",
                    "title": title,
                    "due_in_hours": 1,
                    "priority": "urgent",
                }
            ],
            "escalation_hours": [2, 4, 8],
        }

    return [
        notice(
            f"order.approval_needed#{subject}", needed[0], needed[1], verbs["submitted"], title, recipient="approvers"
        ),
        notice(
            f"order.approval_needed#{subject}_next_level",
            needed[2],
            needed[3],
            verbs["advanced"],
            next_title,
            _("An earlier level approved it."),
            recipient="approvers",
        ),
        notice(f"order.approved#{subject}", approved[0], approved[1], verbs["approved"], approved_title, "{comment}"),
        notice(
            f"order.rejected#{subject}", refused[0], refused[1], verbs["refused"], refused_title, _("Reason: {comment}")
        ),
        wait(f"{subject}_approval_waiting_4h", needed[4], needed[5], verbs["submitted"]),
        wait(f"{subject}_approval_level_waiting_4h", needed[6], needed[7], verbs["advanced"]),
    ]


SHIPPED_RULES += _approval_rules(
    "quotation",
    "sales.quotation",
    needed=(
        _("Quotation waiting for approval: tell the approvers"),
        _("When an approval rule for quotations catches one on its way to the customer, its approvers are told."),
        _("Quotation approved at one level: tell the next level's approvers"),
        _("When one level approves a quotation and another follows, that level's approvers are told."),
        _("Quotation waiting for approval more than 4 working hours"),
        _("A quotation still waiting at its first approval level 4 working hours later: a task for its approvers."),
        _("Next approval level of a quotation waiting more than 4 working hours"),
        _("A quotation one approval level further and still waiting 4 working hours later: a task for that level."),
    ),
    title=_("Quotation {number} ({customer}) waits for your approval"),
    next_title=_("Quotation {number} ({customer}) waits for your approval"),
    approved=(
        _("Quotation approved: tell the owner"),
        _("When a quotation's approval is complete, its owner is told it may be sent."),
    ),
    approved_title=_("Quotation {number} ({customer}) is approved: send it"),
    refused=(
        _("Quotation's approval refused: tell the owner"),
        _("When an approver refuses a quotation, its owner is told why; it is a draft again."),
    ),
    refused_title=_("Quotation {number} ({customer}) was not approved"),
)
SHIPPED_RULES += _approval_rules(
    "contract",
    "crm.contract",
    needed=(
        _("Contract waiting for approval: tell the approvers"),
        _("When an approval rule for contracts catches a signed contract, its approvers are told."),
        _("Contract approved at one level: tell the next level's approvers"),
        _("When one level approves a contract and another follows, that level's approvers are told."),
        _("Contract waiting for approval more than 4 working hours"),
        _("A contract still waiting at its first approval level 4 working hours later: a task for its approvers."),
        _("Next approval level of a contract waiting more than 4 working hours"),
        _("A contract one approval level further and still waiting 4 working hours later: a task for that level."),
    ),
    title=_("Contract {number} ({customer}) waits for your approval"),
    next_title=_("Contract {number} ({customer}) waits for your approval"),
    approved=(
        _("Contract approved: tell the owner"),
        _("When a contract's approval is complete it is in force, and its owner is told."),
    ),
    approved_title=_("Contract {number} ({customer}) is approved and in force"),
    refused=(
        _("Contract's approval refused: tell the owner"),
        _("When an approver refuses a contract, its owner is told why; it is a draft again."),
    ),
    refused_title=_("Contract {number} ({customer}) was not approved"),
)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Promise) else value


def install(rule_model) -> int:
    """Add the shipped rules that are missing; returns how many were added. Works with migration models."""
    added = 0
    with translation.override(settings.LANGUAGE_CODE):
        for definition in SHIPPED_RULES:
            fields = _plain(definition)
            key = fields.pop("system_key")
            _rule, created = rule_model.objects.get_or_create(system_key=key, defaults=fields)
            added += created
    return added

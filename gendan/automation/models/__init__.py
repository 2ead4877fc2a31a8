"""Tasks, rules, the event outbox, notifications and their deliveries, calendars, assignment.

Everything here hangs off the event log: services record events, the outbox hands each
event to its subscribers (rules, notifications) exactly once, and periodic scans find
what is due by indexed times, never by walking tables.

One module per area; every model is imported here, so Django and the migrations see them all.
"""

from .assignment import AssignmentRule, AssignmentStrategy, Responsibility
from .calendar import BusinessCalendar, CalendarDay
from .comments import Attachment, Comment
from .customer_messages import CustomerMessage
from .notifications import (
    BELL,
    CHANNEL_LABELS,
    Channel,
    Notification,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
    WebhookEndpoint,
)
from .outbox import DeliveryStatus, EventDelivery, OutboxCursor
from .rules import Rule, RuleFiring, RuleTrigger, ScheduledCheck
from .tasks import Task, TaskPriority, TaskSource, TaskStatus
from .webhooks import EVERY_EVENT, EventWebhook, WebhookDelivery

__all__ = [
    "BELL",
    "EVERY_EVENT",
    "CHANNEL_LABELS",
    "AssignmentRule",
    "Attachment",
    "AssignmentStrategy",
    "BusinessCalendar",
    "CalendarDay",
    "Channel",
    "Comment",
    "CustomerMessage",
    "DeliveryStatus",
    "EventDelivery",
    "EventWebhook",
    "Notification",
    "NotificationDelivery",
    "NotificationKind",
    "NotificationPreference",
    "OutboxCursor",
    "Responsibility",
    "Rule",
    "RuleFiring",
    "RuleTrigger",
    "ScheduledCheck",
    "Task",
    "TaskPriority",
    "TaskSource",
    "TaskStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]

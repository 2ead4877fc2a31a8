"""E-mails to customers written by rules (the "email_customer" action), queued in the rule's transaction;
the worker sends them (channels.send_due_customer_messages).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from gendan.crm.selectors import customer_email_addresses

from .jobs.channels import send_customer_messages
from .models import CustomerMessage


def customer_of(record):
    """The customer a record belongs to (itself for a customer), or None for records of no one customer."""
    if record._meta.label_lower == "crm.customer":
        return record
    return getattr(record, "customer", None)


def customer_message_queue(*, about, subject: str, body: str, rule=None, actor=None, dedupe_key=None):
    """Queue an e-mail about `about` to its customer's addresses; sent after the commit.

    None when the customer has no address (nobody to write to) or `dedupe_key` was used already.
    """
    customer = customer_of(about)
    recipients = customer_email_addresses(customer) if customer is not None else []
    if not recipients:
        return None
    message = CustomerMessage(
        customer=customer,
        content_type=ContentType.objects.get_for_model(about),
        object_id=about.pk,
        rule=rule,
        recipients=recipients,
        # A header cannot hold a line break.
        subject=" ".join(subject.split())[:200],
        body=body,
        next_attempt_at=timezone.now(),
        created_by=actor,
        dedupe_key=dedupe_key,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return None
    transaction.on_commit(lambda: send_customer_messages([message.pk]), robust=True)
    return message

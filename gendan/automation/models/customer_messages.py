"""E-mails to customers (payment reminders, 催款函): written by rules, sent by the worker like notices."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .outbox import DeliveryStatus


class CustomerMessage(models.Model):
    """One e-mail to a customer's addresses: sent at most once, retried with back-off, every failure kept.

    The text is rendered when the rule fires, so what was sent is what the company's template said then.
    """

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="messages"
    )
    # What the message is about (an invoice), and the rule that wrote it (None: written by a person).
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    about = GenericForeignKey("content_type", "object_id")
    rule = models.ForeignKey("automation.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A rule's action writes one message per occasion, even when it fires twice.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("message to a customer")
        verbose_name_plural = _("messages to customers")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="customer_message_due_idx",
            ),
            models.Index(fields=["customer", "created_at"], name="customer_message_customer_idx"),
            models.Index(fields=["content_type", "object_id"], name="customer_message_about_idx"),
        ]

    def __str__(self):
        return self.subject

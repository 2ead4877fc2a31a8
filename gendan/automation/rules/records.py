"""The record types a rule can watch, and how to reach a record, its owner and its page."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy

# The record types a rule can watch: each has an owner, a page, and events of its own.
RECORD_TYPES = {
    "crm.customer": gettext_lazy("Customer"),
    "sales.order": gettext_lazy("Sales order"),
    "fulfillment.shipment": gettext_lazy("Shipment"),
    "finance.invoice": gettext_lazy("Invoice"),
    "finance.instalment": gettext_lazy("Instalment"),
    "crm.meeting": gettext_lazy("Meeting"),
    "crm.contract": gettext_lazy("Contract"),
    "crm.lead": gettext_lazy("Lead"),
    "crm.opportunity": gettext_lazy("Opportunity"),
    "sales.quotation": gettext_lazy("Quotation"),
}


def model_for(label: str):
    return apps.get_model(label)


def label_of(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def owner_of(record):
    """The person responsible for a record, through its model's scoping path (invoice → order → owner)."""
    path = getattr(type(record).objects.all(), "owner_path", "owner")
    value = record
    for name in path.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def record_url(record) -> str:
    if record._meta.label_lower == "crm.customer":
        return reverse("crm:customer_detail", args=[record.pk])
    if record._meta.label_lower == "sales.order":
        return reverse("sales:order_detail", args=[record.pk])
    if getattr(record, "order_id", None):
        return reverse("sales:order_detail", args=[record.order_id])
    if hasattr(record, "get_absolute_url"):
        return record.get_absolute_url()
    return ""


def load_record(content_type_id, object_id):
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=object_id).first()

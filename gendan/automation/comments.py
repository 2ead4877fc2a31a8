"""The record types people comment on and attach files to, each under a stable name (the API's `object_type`).

Adding a type is one line in RECORD_TYPES: its model (with `objects.visible_to(user)`), the page its panel
shows on (`core.panels`; None for a record shown only inside another's page) and where its page is.
Whoever may see the record (its model's view permission and `visible_to`) reads and writes its comments
and files; nobody else learns that it exists.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from gendan.crm.models import Contract, Customer, Opportunity
from gendan.finance.models import Invoice
from gendan.fulfillment.models import Shipment
from gendan.sales.models import Order, Quotation


@dataclass(frozen=True)
class RecordType:
    name: str
    model: type[models.Model]
    page: str | None
    url: Callable[[models.Model], str]

    @property
    def view_permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def visible_to(self, user):
        if not user.has_perm(self.view_permission):
            return self.model.objects.none()
        return self.model.objects.visible_to(user)


RECORD_TYPES = {
    t.name: t
    for t in [
        RecordType("customer", Customer, "crm.customer", lambda r: reverse("crm:customer_detail", args=[r.pk])),
        RecordType("opportunity", Opportunity, "crm.opportunity", lambda r: r.get_absolute_url()),
        RecordType("contract", Contract, "crm.contract", lambda r: reverse("crm:contract_detail", args=[r.pk])),
        RecordType("quotation", Quotation, "sales.quotation", lambda r: reverse("quotations:detail", args=[r.pk])),
        RecordType("order", Order, "sales.order", lambda r: reverse("sales:order_detail", args=[r.pk])),
        # A shipment has no page of its own: its comments are read through the API, its link opens its order.
        RecordType("shipment", Shipment, None, lambda r: reverse("sales:order_detail", args=[r.order_id])),
        RecordType("invoice", Invoice, "finance.invoice", lambda r: reverse("finance:invoice_detail", args=[r.pk])),
    ]
}


def record_type_of(record) -> RecordType:
    return next(t for t in RECORD_TYPES.values() if isinstance(record, t.model))

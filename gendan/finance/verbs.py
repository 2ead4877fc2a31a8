"""What the invoice and payment events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "finance.invoice",
        {
            "invoice.created": (_("Invoice created"), _("created an invoice")),
            "invoice.issued": (_("Invoice issued"), _("issued an invoice")),
            "invoice.paid": (_("Invoice paid in full"), _("invoice paid in full")),
        },
        also_for=("sales.order",),
    )
    verbs.register("payment.received", _("Payment received"), "finance.payment", activity=_("recorded a payment"))
    verbs.register(
        "payment.allocated",
        _("Payment allocated"),
        "finance.payment",
        activity=_("allocated a payment"),
        also_for=("sales.order", "finance.invoice"),
    )

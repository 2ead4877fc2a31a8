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
            "invoice.fapiao_number_set": (_("Fapiao number entered"), _("entered the fapiao number")),
            # Issued in the past, brought in by an import of history (finance.services_history).
            "invoice.imported": (_("Invoice imported from history"), _("imported an invoice from history")),
        },
        also_for=("sales.order",),
    )
    verbs.register("payment.received", _("Payment received"), "finance.payment", activity=_("recorded a payment"))
    verbs.register(
        "payment.refunded", _("Money refunded"), "finance.payment", activity=_("refunded money of a payment")
    )
    verbs.register(
        "payment.imported",
        _("Payment imported from history"),
        "finance.payment",
        activity=_("imported a payment from history"),
        also_for=("sales.order", "finance.invoice"),
    )
    verbs.register(
        "payment.allocated",
        _("Payment allocated"),
        "finance.payment",
        activity=_("allocated a payment"),
        also_for=("sales.order", "finance.invoice"),
    )
    verbs.register_many(
        "finance.creditnote",
        {
            "credit_note.created": (_("Credit note drafted"), _("drafted a credit note")),
            "credit_note.issued": (_("Credit note issued"), _("issued a credit note")),
        },
        also_for=("sales.order", "finance.invoice"),
    )
    verbs.register_many(
        "finance.statement",
        {
            "statement.created": (_("Statement made"), _("made a statement")),
            "statement.sent": (_("Statement sent"), _("sent the statement")),
            "statement.opened": (_("Customer opened the statement"), _("opened the statement")),
            "statement.confirmed": (_("Customer confirmed the statement"), _("confirmed the statement's balance")),
            "statement.disputed": (_("Customer disputed the statement"), _("disputed lines of the statement")),
            "statement.resolved": (_("Statement dispute resolved"), _("resolved the statement's dispute")),
        },
        also_for=("crm.customer",),
    )
    verbs.register_many(
        "finance.instalment",
        {
            "instalment.scheduled": (_("Instalment due date set"), _("an instalment's due date was set")),
            "instalment.paid": (_("Instalment paid"), _("an instalment was paid")),
            "instalment.reopened": (_("Instalment open again"), _("an instalment is open again")),
        },
        also_for=("sales.order",),
    )
    verbs.register("order.payment_plan_set", _("Payment plan set"), "sales.order", activity=_("set the payment plan"))

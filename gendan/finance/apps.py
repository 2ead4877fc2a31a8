from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "gendan.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.core import exportable, hooks, panels, worklists

        from .lists import ageing_rows, invoice_rows, payment_rows, statement_rows
        from .panels import customer_receivables_panel, order_finance_panel, order_invoices_public
        from .reactions import order_updated
        from .worklists import WORKLISTS

        panels.register("sales.order", template="finance/order_panel.html", context=order_finance_panel)
        # The page a customer opens through the link a rep sent (sales.views_public).
        panels.register("sales.order.public", template="finance/public_invoices.html", context=order_invoices_public)
        panels.register(
            "crm.customer", template="finance/customer_receivables.html", context=customer_receivables_panel
        )
        # Which invoice puts a customer's shipments on hold (sales.credit).
        from gendan.sales import credit

        from .selectors import oldest_overdue_invoice, unpaid_deposit

        credit.oldest_overdue_invoice.provide(oldest_overdue_invoice)
        # Which deposit holds an order's shipment (款到发货).
        credit.unpaid_deposit.provide(unpaid_deposit)
        # An order's owner changes when a draft is edited and when it is handed to someone else.
        hooks.on_recorded("order.updated", order_updated)
        hooks.on_recorded("order.assigned", order_updated)
        # An order's instalments fall due some days after its steps, and follow its total.
        from .instalments import BASIS_OF_VERB, order_total_changed, step_happened

        for verb in BASIS_OF_VERB:
            hooks.on_recorded(verb, step_happened)
        for verb in ("order.updated", "order.change_applied"):
            hooks.on_recorded(verb, order_total_changed)
        for worklist in WORKLISTS:
            worklists.register(worklist)
        exportable.register("invoices", invoice_rows, permission="finance.view_invoice")
        exportable.register("payments", payment_rows, permission="finance.view_payment")
        exportable.register("statements", statement_rows, permission="finance.view_statement")
        # The ageing per customer or per owner: one list, its ?group_by= in the query the worker re-runs.
        for name in ("ageing-customers", "ageing-owners"):
            exportable.register(name, ageing_rows, permission="finance.view_invoice")

        from gendan.core import search

        from .search import INVOICE_KIND, PAYMENT_KIND

        # The record types one search box finds (core.search).
        search.register(INVOICE_KIND, PAYMENT_KIND)

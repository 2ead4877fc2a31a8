from django.apps import AppConfig
from django.apps import apps as global_apps
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "gendan.sales"
    label = "sales"
    verbose_name = _("Sales orders")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.accounts import saved_views
        from gendan.core import exportable, panels
        from gendan.crm import selectors as crm_selectors
        from gendan.crm import services_contracts
        from gendan.inventory import selectors as inventory_selectors

        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from . import jobs  # noqa: F401
        from .credit import customer_exposure_expression
        from .filters import OrderFilter
        from .lists import order_rows
        from .panels import contract_approval_panel, customer_orders_panel, customer_quotations_panel
        from .selectors import customer_open_order_count, stock_move_order_visible
        from .services_approvals import contract_approval_open
        from .tables import OrderTable
        from .worklists import register_worklists

        # What the apps below ask of sales, without importing it.
        crm_selectors.open_order_count.provide(customer_open_order_count)
        crm_selectors.credit_exposure.provide(customer_exposure_expression)
        inventory_selectors.order_visible.provide(stock_move_order_visible)
        services_contracts.contract_needs_approval.provide(contract_approval_open)
        panels.register(
            "crm.customer", template="sales/quotation_customer_panel_loader.html", context=customer_quotations_panel
        )
        panels.register("crm.customer", template="sales/customer_orders.html", context=customer_orders_panel)
        panels.register("crm.contract", template="sales/contract_approval_panel.html", context=contract_approval_panel)
        register_worklists()
        exportable.register("orders", order_rows, permission="sales.view_order")
        saved_views.register(
            "orders", table=OrderTable, filters=OrderFilter, permission="sales.view_order", url_name="sales:order_list"
        )

        from gendan.core import search

        from .search import ORDER_KIND, QUOTATION_KIND

        # The record types one search box finds (core.search).
        search.register(ORDER_KIND, QUOTATION_KIND)

        from django.db.models.signals import post_migrate

        from .approval_rules import install_shipped_rules

        def install_shipped_approval_rules(sender, apps=global_apps, **kwargs):
            try:
                rule_model = apps.get_model("sales", "ApprovalRule")
            except LookupError:  # migrated back to before approval rules
                return
            install_shipped_rules(rule_model)

        # After every migrate, and after a test's flush: the shipped approval rules are always there (an
        # administrator switches one off, never deletes it).
        post_migrate.connect(install_shipped_approval_rules, sender=self, weak=False)

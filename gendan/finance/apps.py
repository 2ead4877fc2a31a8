from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "gendan.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.core import panels, worklists

        from .panels import order_finance_panel
        from .worklists import WORKLISTS

        panels.register("sales.order", template="finance/order_panel.html", context=order_finance_panel)
        for worklist in WORKLISTS:
            worklists.register(worklist)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "gendan.crm"
    label = "crm"
    verbose_name = _("Customers")

    def ready(self):
        from . import verbs

        verbs.register()
        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from gendan.core import exportable

        from . import jobs  # noqa: F401
        from .lists import contract_rows, customer_rows, opportunity_rows

        exportable.register("customers", customer_rows, permission="crm.view_customer")
        exportable.register("contracts", contract_rows, permission="crm.view_contract")
        exportable.register("opportunities", opportunity_rows, permission="crm.view_opportunity")

        from gendan.core import search

        from .search import CONTACT_KIND, CONTRACT_KIND, CUSTOMER_KIND, LEAD_KIND, OPPORTUNITY_KIND

        # The record types one search box finds (core.search).
        search.register(CUSTOMER_KIND, CONTACT_KIND, LEAD_KIND, OPPORTUNITY_KIND, CONTRACT_KIND)

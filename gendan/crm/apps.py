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
        from . import jobs  # noqa: F401

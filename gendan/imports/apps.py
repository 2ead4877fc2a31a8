from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "gendan.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self):
        from . import verbs

        verbs.register()
        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from . import jobs  # noqa: F401

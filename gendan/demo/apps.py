from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo company for `make run`: it writes through every app's services, so it sits above them all."""

    name = "gendan.demo"
    label = "demo"
    verbose_name = _("Demo data")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The home page: it reads every app's data, so it sits above them all."""

    name = "gendan.home"
    label = "home"
    verbose_name = _("Home")

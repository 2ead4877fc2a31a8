# Each part of automation registers its configuration screens in its own module.
from . import admin_calendar, admin_channels, admin_rules  # noqa: F401

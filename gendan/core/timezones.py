"""Choosing a time zone: the zones Gendan's users mostly need first, China's at the top, then all of them."""

import datetime
import zoneinfo
from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _

# China first; then the places Chinese companies sell to and work with most.
COMMON_TIME_ZONES = [
    ("Asia/Shanghai", _("China (Beijing time)")),
    ("Asia/Hong_Kong", _("Hong Kong")),
    ("Asia/Macau", _("Macao")),
    ("Asia/Taipei", _("Taipei")),
    ("Asia/Urumqi", _("Xinjiang (Ürümqi time)")),
    ("Asia/Singapore", _("Singapore")),
    ("Asia/Kuala_Lumpur", _("Kuala Lumpur")),
    ("Asia/Bangkok", _("Bangkok")),
    ("Asia/Ho_Chi_Minh", _("Ho Chi Minh City")),
    ("Asia/Jakarta", _("Jakarta")),
    ("Asia/Manila", _("Manila")),
    ("Asia/Tokyo", _("Tokyo")),
    ("Asia/Seoul", _("Seoul")),
    ("Asia/Dubai", _("Dubai")),
    ("Europe/Moscow", _("Moscow")),
    ("Europe/Berlin", _("Berlin")),
    ("Europe/London", _("London")),
    ("America/New_York", _("New York")),
    ("America/Los_Angeles", _("Los Angeles")),
    ("Australia/Sydney", _("Sydney")),
    ("UTC", _("Coordinated Universal Time")),
]


@cache
def all_time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _offset(name: str) -> str:
    offset = datetime.datetime.now(zoneinfo.ZoneInfo(name)).utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def time_zone_choices() -> list:
    """Grouped choices for a <select>: the common zones by place and offset, then every zone by name."""
    return [
        (_("Common"), [(name, f"{place} · {name} ({_offset(name)})") for name, place in COMMON_TIME_ZONES]),
        (_("All time zones"), [(name, name) for name in all_time_zones()]),
    ]


class TimeZoneSelect(forms.Select):
    """A select of time zones with a search box above it that narrows the list as one types."""

    template_name = "core/widgets/time_zone_select.html"


def time_zone_field(*, label, required: bool, blank_label=None) -> forms.ChoiceField:
    """A form field choosing a time zone; `blank_label` offers "none" (e.g. the company's default) first."""
    choices = time_zone_choices
    if blank_label is not None:

        def choices():
            return [("", blank_label), *time_zone_choices()]

    return forms.ChoiceField(
        label=label,
        required=required,
        choices=choices,
        widget=TimeZoneSelect,
        error_messages={"invalid_choice": _("Not a known time zone, e.g. Asia/Shanghai.")},
    )

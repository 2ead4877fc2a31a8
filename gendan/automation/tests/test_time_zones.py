"""Wherever a time zone is chosen, China's comes first and every zone can be found by a search."""

import re
import zoneinfo

import pytest
from django.urls import reverse

from gendan.automation.calendar import default_calendar

pytestmark = pytest.mark.django_db


def zone_options(content: str, name: str) -> list[str]:
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', content, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', block)


def test_the_preferences_offer_china_first_then_every_zone_with_a_search_box(client, personas):
    client.force_login(personas["rep1"])

    content = client.get(reverse("automation:preferences")).content.decode()

    options = zone_options(content, "time_zone")
    assert options[:3] == ["", "Asia/Shanghai", "Asia/Hong_Kong"]  # the company's default, then China
    assert set(options) >= zoneinfo.available_timezones()
    assert "data-time-zone-filter" in content
    assert "中国（北京时间） · Asia/Shanghai (UTC+08:00)" in content


def test_the_business_calendar_and_the_user_admin_offer_china_first(client, personas):
    admin = personas["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    calendar = default_calendar()
    client.force_login(admin)

    calendar_page = client.get(reverse("admin:automation_businesscalendar_change", args=[calendar.pk]))
    user_page = client.get(reverse("admin:accounts_user_change", args=[personas["rep1"].pk]))

    assert zone_options(calendar_page.content.decode(), "time_zone")[0] == "Asia/Shanghai"
    assert zone_options(user_page.content.decode(), "time_zone")[:2] == ["", "Asia/Shanghai"]

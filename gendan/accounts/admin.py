from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from gendan.core.timezones import time_zone_field

from .models import Department, User


class UserChangeForm(BaseUserAdmin.form):
    time_zone = time_zone_field(label=_("time zone"), required=False, blank_label=_("Company default"))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    list_display = ["username", "first_name", "last_name", "role", "department", "is_active"]
    list_filter = ["role", "department", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Gendan"), {"fields": ["role", "department", "phone", "max_discount_percent", "time_zone"]}),
    ]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "leader"]

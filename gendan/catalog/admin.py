from django.contrib import admin

from . import services
from .models import UnitOfMeasure


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "decimals"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Products name their unit by code: renaming it would leave them pointing at nothing.
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the services, so products take the new decimals and the event log has the edit.
        if change:
            services.unit_update(
                unit=obj, actor=request.user, name=form.cleaned_data["name"], decimals=form.cleaned_data["decimals"]
            )
        else:
            fields = {name: form.cleaned_data[name] for name in services.UNIT_FIELDS}
            # The admin logs and redirects with `obj`, so it takes the saved row's identity.
            obj.pk = services.unit_create(actor=request.user, **fields).pk
            obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # Products keep the code of their unit; a unit in use must not disappear under them.
        return False

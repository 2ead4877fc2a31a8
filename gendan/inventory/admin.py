from django.contrib import admin

from . import services
from .models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "address"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        # Through the services, so the admin's writes land in the event log like every other.
        fields = {name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS}
        if change:
            services.warehouse_update(warehouse=obj, actor=request.user, **fields)
        else:
            # The admin logs and redirects with `obj`, so it takes the saved row's identity.
            obj.pk = services.warehouse_create(actor=request.user, **fields).pk
            obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # Stock levels and moves keep their warehouse (PROTECT); there is no delete service.
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "address", "staff_list"]
    search_fields = ["code", "name"]
    filter_horizontal = ["staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("staff")

    @admin.display(description=_("staff"))
    def staff_list(self, obj):
        return ", ".join(str(user) for user in obj.staff.all())

    def save_model(self, request, obj, form, change):
        # Through the services, so the admin's writes land in the event log like every other.
        fields = {name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS}
        if change:
            services.warehouse_update(warehouse=obj, actor=request.user, **fields)
        else:
            # The admin logs and redirects with `obj`, so it takes the saved row's identity.
            obj.pk = services.warehouse_create(actor=request.user, **fields).pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The staff through their service too (it records who changed them); the rest as usual.
        staff = form.cleaned_data.pop("staff", None)
        super().save_related(request, form, formsets, change)
        if staff is not None:
            services.warehouse_staff_set(warehouse=form.instance, actor=request.user, users=staff)

    def has_delete_permission(self, request, obj=None):
        # Stock levels and moves keep their warehouse (PROTECT); there is no delete service.
        return False

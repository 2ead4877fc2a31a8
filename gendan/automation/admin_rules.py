"""Read-only lists for operators: what the rules did, what they will check, and the outbox.

Rules themselves are edited on their own screens (views_rules), where the services check them.
Nothing here can be added, changed or deleted: each row is a guard against acting twice.
"""

from django.contrib import admin

from .models import EventDelivery, RuleFiring, ScheduledCheck


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RuleFiring)
class RuleFiringAdmin(ReadOnlyAdmin):
    list_display = ["fired_at", "rule", "content_type", "object_id", "occasion"]
    list_filter = ["rule", "content_type"]
    search_fields = ["occasion", "=object_id"]
    date_hierarchy = "fired_at"
    list_select_related = ["rule", "content_type"]


@admin.register(ScheduledCheck)
class ScheduledCheckAdmin(ReadOnlyAdmin):
    list_display = ["due_at", "rule", "content_type", "object_id", "occasion", "done_at", "attempts", "last_error"]
    list_filter = ["rule", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["occasion", "=object_id", "last_error"]
    date_hierarchy = "due_at"
    list_select_related = ["rule", "content_type"]
    # The table may hold millions of rows: no count of all of them on every page.
    show_full_result_count = False


@admin.register(EventDelivery)
class EventDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "subscriber", "status", "attempts", "processed_at", "last_error"]
    list_filter = ["status", "subscriber"]
    search_fields = ["=event__id", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["event"]
    show_full_result_count = False

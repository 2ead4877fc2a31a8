from django.contrib import admin

from .models import Event, NumberSequence


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    # The admin's model form runs NumberSequence.clean(), which refuses a pattern without {seq}.
    list_display = ["doc_type", "pattern"]
    search_fields = ["doc_type"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event log, to read: it is append-only, so nobody adds, edits or deletes a row here."""

    list_display = ["occurred_at", "verb", "object_repr", "content_type", "actor", "request_id"]
    list_filter = ["verb", "content_type"]
    search_fields = ["object_repr", "request_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "content_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

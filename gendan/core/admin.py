from django.contrib import admin

from . import events
from .models import Event, NumberSequence


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    # The admin's model form runs NumberSequence.clean(), which refuses a pattern without {seq}.
    list_display = ["doc_type", "pattern"]
    search_fields = ["doc_type"]

    def save_model(self, request, obj, form, change):
        # A new pattern changes every later document number: who changed it and when is on record.
        before = {name: form.initial.get(name) for name in form.changed_data} if change else {}
        super().save_model(request, obj, form, change)
        if form.changed_data:
            changes = {name: [before.get(name), getattr(obj, name)] for name in form.changed_data}
            events.record(request.user, "numbering.updated" if change else "numbering.created", obj, changes=changes)


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

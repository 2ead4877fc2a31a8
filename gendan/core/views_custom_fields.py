"""The custom fields settings page (administrators): the fields of each record type, their form, and their history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .errors import ApplicationError
from .forms import add_service_errors
from .forms_custom_fields import CustomFieldForm
from .models import CustomField, CustomRecordType, Event
from .services_custom_fields import custom_field_create, custom_field_set_active, custom_field_update

CHANGE = "core.change_customfield"
HISTORY_LENGTH = 50


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_GET
def custom_field_list(request):
    fields = list(CustomField.objects.all())
    groups = [(label, [f for f in fields if f.record_type == value]) for value, label in CustomRecordType.choices]
    by_id = {field.pk: field for field in fields}
    # Fields are never deleted, only switched off: their events are found by each field's own (the timeline index).
    history = (
        Event.objects.filter(content_type=ContentType.objects.get_for_model(CustomField), object_id__in=list(by_id))
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:HISTORY_LENGTH]
    )
    history = [(event, by_id.get(event.object_id)) for event in history]
    return render(request, "core/custom_fields/list.html", {"groups": groups, "history": history})


def _form_page(request, field: CustomField | None):
    editing = field is not None
    initial = None
    if editing:
        initial = {
            "label": field.label,
            "choices": "\n".join(field.choices),
            "required": field.required,
            "position": field.position,
            "help_text": field.help_text,
        }
    form = CustomFieldForm(request.POST or None, initial=initial, editing=editing)
    if request.method == "POST" and form.is_valid():
        try:
            if editing:
                saved = custom_field_update(field=field, actor=request.user, **form.cleaned_data)
            else:
                saved = custom_field_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Custom field %(label)s saved.") % {"label": saved.label})
            return redirect("custom_fields:list")
    return render(request, "core/custom_fields/form.html", {"form": form, "field": field})


@login_required
@permission_required("core.add_customfield", raise_exception=True)
def custom_field_new(request):
    return _form_page(request, None)


@login_required
@permission_required(CHANGE, raise_exception=True)
def custom_field_edit(request, pk):
    return _form_page(request, get_object_or_404(CustomField, pk=pk))


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def custom_field_toggle(request, pk):
    field = get_object_or_404(CustomField, pk=pk)
    custom_field_set_active(field=field, actor=request.user, active=not field.active)
    if field.active:
        messages.success(request, _("%(label)s deactivated: its values stay on the records.") % {"label": field.label})
    else:
        messages.success(request, _("%(label)s is active again.") % {"label": field.label})
    return redirect("custom_fields:list")


app_name = "custom_fields"

urlpatterns = [
    path("", custom_field_list, name="list"),
    path("new/", custom_field_new, name="new"),
    path("<int:pk>/edit/", custom_field_edit, name="edit"),
    path("<int:pk>/toggle/", custom_field_toggle, name="toggle"),
]

"""Event webhook pages: the list, the form, a test send, the delivery log (dead letters with ?status=failed), replay."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors, bootstrap
from gendan.core.lists import paginate

from .filters import WebhookDeliveryFilter
from .forms_webhooks import EventWebhookForm
from .models import EventWebhook
from .outgoing import DeliveryError
from .selectors_webhooks import event_webhooks, webhook_deliveries
from .services_webhooks import event_webhook_create, event_webhook_update, webhook_delivery_replay
from .webhooks import event_webhook_send_test

VIEW = "automation.view_eventwebhook"
CHANGE = "automation.change_eventwebhook"
DELIVERIES_PER_PAGE = 50


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def webhook_list(request):
    return render(request, "automation/webhooks/list.html", {"webhooks": list(event_webhooks())})


def _form_page(request, webhook: EventWebhook | None):
    editing = webhook is not None
    initial = {"url": webhook.url, "events": webhook.events, "active": webhook.active} if editing else None
    form = EventWebhookForm(request.POST or None, initial=initial, editing=editing)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if editing:
                saved = event_webhook_update(webhook=webhook, actor=request.user, **fields)
            else:
                saved = event_webhook_create(actor=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Webhook to %(url)s saved.") % {"url": saved.url})
            return redirect("automation:webhook_list")
    return render(request, "automation/webhooks/form.html", {"form": form, "webhook": webhook})


@login_required
@permission_required("automation.add_eventwebhook", raise_exception=True)
def webhook_create(request):
    return _form_page(request, None)


@login_required
@permission_required(CHANGE, raise_exception=True)
def webhook_edit(request, pk):
    return _form_page(request, get_object_or_404(EventWebhook, pk=pk))


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def webhook_test(request, pk):
    webhook = get_object_or_404(EventWebhook, pk=pk)
    try:
        status = event_webhook_send_test(webhook)
    except DeliveryError as exc:
        messages.error(request, _("%(url)s: not delivered. %(error)s") % {"url": webhook.url, "error": exc})
    else:
        messages.success(
            request, _("%(url)s answered %(status)s to the test event.") % {"url": webhook.url, "status": status}
        )
    return redirect("automation:webhook_list")


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def delivery_list(request):
    """The delivery log of every webhook, filterable; status=failed is the dead-letter view."""
    rows = WebhookDeliveryFilter(request.GET or None, queryset=webhook_deliveries(), request=request)
    bootstrap(rows.form)
    page_obj = paginate(request, rows.qs, DELIVERIES_PER_PAGE)
    return render(request, "automation/webhooks/deliveries.html", {"filter": rows, "page_obj": page_obj})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def delivery_replay(request, pk):
    delivery = get_object_or_404(webhook_deliveries(), pk=pk)
    try:
        webhook_delivery_replay(delivery=delivery, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Delivery %(id)s queued to be sent again.") % {"id": delivery.pk})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("automation:webhook_deliveries")


urlpatterns = [
    path("webhooks/", webhook_list, name="webhook_list"),
    path("webhooks/new/", webhook_create, name="webhook_create"),
    path("webhooks/<int:pk>/edit/", webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/test/", webhook_test, name="webhook_test"),
    path("webhooks/deliveries/", delivery_list, name="webhook_deliveries"),
    path("webhooks/deliveries/<int:pk>/replay/", delivery_replay, name="webhook_delivery_replay"),
]

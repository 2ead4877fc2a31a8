"""Configuration screens for outside channels: robots and webhooks, the deliveries made through them, and the
e-mails rules wrote to customers."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_rules import ReadOnlyAdmin
from .channels import DeliveryError, endpoint_send_test
from .models import CustomerMessage, NotificationDelivery, WebhookEndpoint
from .services import notification_delivery_requeue


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "secret", "is_active", "user", "department", "kinds"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}
        help_texts = {
            "secret": _(
                "DingTalk: the SEC… secret of the robot's signing (加签) setting. Feishu: the signature (签名校验) "
                "secret. Signed JSON webhook: the key for the X-Gendan-Signature header. WeCom needs none."
            ),
            "kinds": _('Kinds of notice to forward, e.g. ["task.escalated", "digest"]; empty forwards every kind.'),
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("user") and not cleaned.get("department"):
            raise forms.ValidationError(_("Choose whose notices go there: a person or a department."))
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "kind", "user", "department", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "url"]
    list_select_related = ["user", "department"]
    actions = ["send_test_message"]

    @admin.action(description=_("Send a test message"))
    def send_test_message(self, request, queryset):
        for endpoint in queryset:
            try:
                endpoint_send_test(endpoint)
            except DeliveryError as exc:
                self.message_user(
                    request, _("%(name)s: not delivered. %(error)s") % {"name": endpoint, "error": exc}, messages.ERROR
                )
            else:
                self.message_user(request, _("%(name)s: test message delivered.") % {"name": endpoint})


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """Read-only: deliveries change only through the sender and the explicit re-queue action."""

    list_display = ["id", "notification", "recipient", "channel", "endpoint", "status", "attempts", "error", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["notification__title", "notification__recipient__username", "last_error"]
    list_select_related = ["notification__recipient", "endpoint"]
    ordering = ["-id"]
    actions = ["requeue"]

    @admin.display(description=_("recipient"), ordering="notification__recipient__username")
    def recipient(self, delivery):
        return delivery.notification.recipient

    @admin.display(description=_("last error"))
    def error(self, delivery):
        return delivery.last_error[:120]

    @admin.action(description=_("Re-queue failed deliveries (check first that they did not arrive)"))
    def requeue(self, request, queryset):
        count = notification_delivery_requeue(actor=request.user, deliveries=queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery re-queued.", "%(count)d deliveries re-queued.", count) % {"count": count},
        )


@admin.register(CustomerMessage)
class CustomerMessageAdmin(ReadOnlyAdmin):
    """Read-only: what was written to which customer, and whether it went out."""

    list_display = ["id", "customer", "subject", "status", "attempts", "sent_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["subject", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    ordering = ["-id"]

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.errors import ApplicationError
from gendan.sales.forms import OrderLineQuantitiesForm

from . import services
from .models import TRACKING_NUMBER_MAX_LENGTH, DeliveryMethod, ShipmentStatus

# Offered as the carrier is typed; any other name may be entered.
COMMON_CARRIERS = ["顺丰速运", "京东物流", "德邦物流", "中通快递", "圆通速递", "韵达快递", "申通快递", "EMS"]


class DeliveryFields(forms.Form):
    """How the goods leave: the rules (a carrier needs a tracking number) are the service's."""

    # Not required: left out, the carrier says it (see fulfillment.services.set_delivery).
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("Delivery method"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.COURIER,
        required=False,
    )
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=64, required=False, strip=False)
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=64,
        required=False,
        strip=False,
        help_text=gettext_lazy("Not needed for customer pickup or own delivery."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].widget.attrs["list"] = "common-carriers"
        self.fields["tracking_number"].widget.attrs.update(
            {"maxlength": TRACKING_NUMBER_MAX_LENGTH, "pattern": "[A-Za-z0-9\\- ]*", "autocomplete": "off"}
        )

    def delivery(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("delivery_method", "carrier", "tracking_number")}


def ship_posted(shipment, actor, post):
    """Ship `shipment` with how it goes as a row's or a panel's form posted it (fields left out: as it is)."""
    delivery = {name: post[name] for name in ("delivery_method", "carrier", "tracking_number") if name in post}
    return services.shipment_ship(shipment=shipment, actor=actor, **delivery)


def deliver_posted(shipment, actor, post):
    return services.shipment_deliver(shipment=shipment, actor=actor, signed_by=post.get("signed_by", ""))


class ShipmentForm(DeliveryFields, OrderLineQuantitiesForm):
    """A new shipment from the order page: per line, what is neither shipped nor on another shipment."""

    def __init__(self, *args, order_lines, pending, **kwargs):
        super().__init__(
            *args,
            order_lines=order_lines,
            left=lambda line: line.quantity - line.shipped_quantity - pending.get(line.pk, Decimal("0")),
            **kwargs,
        )

    def create(self, *, order, actor, ship: bool):
        """The shipment the valid form describes (shipped at once with `ship`), or None with the refusal on the form."""
        try:
            return services.shipment_create(
                order=order, actor=actor, lines=self.line_rows(), **self.delivery(), ship=ship
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
        except ApplicationError as exc:
            self.add_error(None, exc.message)
        return None


def created_message(shipment) -> str:
    if shipment.status == ShipmentStatus.SHIPPED:
        return _("Shipment %(number)s created and shipped.") % {"number": shipment.number}
    return _("Shipment %(number)s created.") % {"number": shipment.number}

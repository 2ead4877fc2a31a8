from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.accounts.scoping import ScopedQuerySet
from gendan.core.models import TimeStampedModel, VersionedModel


class CustomerQuerySet(ScopedQuerySet):
    owner_path = "owner"


class Customer(VersionedModel):
    class Level(models.TextChoices):
        A = "A", _("A — key account")
        B = "B", _("B — regular")
        C = "C", _("C — occasional")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, default=Level.B)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers"
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    notes = models.TextField(_("notes"), blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"),
        ]
        indexes = [
            # A rep's customer list.
            models.Index(fields=["owner", "name"], name="customer_owner_name_idx"),
        ]

    def __str__(self):
        return self.name


class Contact(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("title"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Address(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    district = models.CharField(_("district"), max_length=32, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["id"]

    def __str__(self):
        return f"{self.province}{self.city}{self.district}{self.street} {self.recipient} {self.phone}"

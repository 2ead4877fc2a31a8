from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gendan.core.models import TimeStampedModel

from .roles import ROLE_DISCOUNT_LIMITS, ROLE_SCOPES, DataScope, Role


class Department(TimeStampedModel):
    """A department or a team inside one: a tree, each node with a leader."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.SALES_REP)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department / team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Blank: the company's TIME_ZONE. Used for the daily digest and quiet hours.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Blank means the role's default (ROLE_DISCOUNT_LIMITS).
    max_discount_percent = models.DecimalField(
        _("discount limit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        full = self.get_full_name()
        return full or self.username

    @property
    def data_scope(self) -> str:
        if self.is_superuser:
            return DataScope.ALL
        return ROLE_SCOPES.get(self.role, DataScope.OWN)

    @property
    def discount_limit(self) -> Decimal:
        if self.max_discount_percent is not None:
            return self.max_discount_percent
        return ROLE_DISCOUNT_LIMITS.get(self.role, Decimal("0"))

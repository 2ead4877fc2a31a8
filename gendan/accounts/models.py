import hashlib
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.core import events
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

    # Whether the user was active when read from the database: a save that turns it off is a deactivation.
    _loaded_is_active = False

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_is_active = user.__dict__.get("is_active", False)
        return user

    def save(self, *args, **kwargs):
        """Save, and revoke the user's API tokens in the same transaction when the password changes or the user is deactivated."""
        reason = self._token_revocation_reason(kwargs.get("update_fields"))
        if reason is None:
            super().save(*args, **kwargs)
        else:
            with transaction.atomic():
                super().save(*args, **kwargs)
                ApiToken.objects.filter(user=self).revoke_live(reason=reason, actor=None)
        self._loaded_is_active = self.is_active

    def _token_revocation_reason(self, update_fields) -> str | None:
        """Why this save ends the user's tokens, if it does.

        `_password` holds the raw password only after `set_password()`; a re-hash at log-in
        (a newer hasher) clears it before saving, so an upgrade of the hash revokes nothing.
        """
        if self._state.adding:  # a new user holds no tokens yet
            return None
        if self._password is not None and (update_fields is None or "password" in update_fields):
            return ApiToken.Revoked.PASSWORD_CHANGED
        if self._loaded_is_active and not self.is_active and (update_fields is None or "is_active" in update_fields):
            return ApiToken.Revoked.DEACTIVATED
        return None

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


def token_digest(key: str) -> str:
    """What is stored of a token's key: its SHA-256.

    The key is 240 random bits, so an unkeyed hash cannot be reversed or guessed; a hash keyed
    with SECRET_KEY would log every API client out whenever the secret is rotated.
    """
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        """Tokens that still authenticate: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def revoke_live(self, *, reason: str, actor) -> int:
        """Revoke every live token here, recording on each owner how many went and why."""
        now = timezone.now()
        owners: dict[int, list[str]] = {}
        for user_id, prefix in self.live().values_list("user_id", "prefix"):
            owners.setdefault(user_id, []).append(prefix)
        if not owners:
            return 0
        count = self.live().update(revoked_at=now, revoked_reason=reason)
        for user in User.objects.filter(pk__in=owners):
            events.record(actor, "user.api_tokens_revoked", user, data={"reason": reason, "tokens": owners[user.pk]})
        return count


class ApiToken(models.Model):
    """A key for the REST API, one per client or device, good until it expires or is revoked.

    Only the key's digest is stored: the key itself is shown once, when the token is made.
    """

    class Revoked(models.TextChoices):
        BY_USER = "by_user", _("revoked by its owner")
        PASSWORD_CHANGED = "password_changed", _("revoked because the password changed")
        DEACTIVATED = "deactivated", _("revoked because the user was deactivated")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The key's first characters, for telling tokens apart in a list; too short to guess the rest from.
    prefix = models.CharField(_("key starts with"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revoked because"), max_length=20, choices=Revoked.choices, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class SavedViewQuerySet(models.QuerySet):
    def seen_by(self, user):
        """The user's own views and those the members of their team (department) share with it."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        shared = models.Q(shared=True, owner__department_id=user.department_id) if user.department_id else models.Q()
        return self.filter(models.Q(owner=user) | shared) if shared else self.filter(owner=user)


class SavedView(TimeStampedModel):
    """A list as someone set it up (its filters, sort and columns), under a name, for them or for their team.

    `list_name` is the list's name in accounts.saved_views (the order list's "orders"); `query` its
    filters and sort as a query string, `columns` the optional columns shown (ListTable.optional_columns).
    A shared view follows its owner: it shows to whoever is in the owner's department now.
    """

    # No index of its own: saved_view_unique_name starts with it.
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views", db_index=False
    )
    list_name = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    shared = models.BooleanField(_("shared with my team"), default=False)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            # Also the index of a person's views of one list (owner, list).
            models.UniqueConstraint(fields=["owner", "list_name", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self):
        return self.name

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What a spreadsheet brings in. Suppliers are named by the API already and refused until built."""

    CUSTOMERS = "customers", _("Customers")
    PRODUCTS = "products", _("Products")
    STOCK = "stock", _("Opening stock")
    ORDERS = "orders", _("Historical orders")
    SUPPLIERS = "suppliers", _("Suppliers")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the columns")  # some columns were not recognised: the user names them
    CHECKING = "checking", _("Checking")  # the dry run is under way (in the worker, for a large file)
    CHECKED = "checked", _("Checked")  # dry run over: errors listed, or ready to commit
    COMMITTING = "committing", _("Importing")  # queued or running in the worker
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")  # the commit found errors and wrote nothing


FINISHED = {ImportStatus.DONE, ImportStatus.FAILED}


class ImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import is its creator's; administrators see everyone's."""
        if user.is_superuser or user.role == "admin":
            return self
        return self.filter(user=user)


class Import(models.Model):
    """One spreadsheet on its way in: the file, how its columns map to fields, its dry run and its commit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    file = models.FileField(_("file"), upload_to="imports/")
    file_name = models.CharField(_("file name"), max_length=200)
    # The header row as it is in the file, and {header: field name or "" to leave the column out}.
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(_("columns"), default=dict)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # [{"row": spreadsheet row number, "column": header in the file or "", "message": ...}]
    errors = models.JSONField(_("errors"), default=list)
    # len(errors), so that the list of imports need not read every error of every import.
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # What the commit made: {"created": n, "first": pk, "last": pk}.
    result = models.JSONField(_("result"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-pk"]
        indexes = [
            # The list page: a user's imports, newest first.
            models.Index(fields=["user", "-id"], name="import_user_newest"),
        ]

    def __str__(self):
        return self.file_name


class ColumnMapping(models.Model):
    """How the columns of a header set were named the last time, so the same sheet next time maps by itself."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    # SHA-256 of the file's headers, normalised and sorted: the same columns in another order are the same sheet.
    headers_key = models.CharField(max_length=64)
    mapping = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "headers_key"], name="column_mapping_unique")]

    def __str__(self):
        return f"{self.kind} {self.headers_key[:8]}"

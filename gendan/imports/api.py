"""/api/v1/imports/: spreadsheets brought in — upload (with its dry run), read, commit, and blank templates.

POST takes multipart/form-data: `kind`, `file` (XLSX or CSV), and optionally `mapping`, a JSON object of column
header → field name ("" leaves a column out). A column neither recognised nor mapped is a 400 on `mapping`. A file
of up to IMPORT_CHECK_IN_REQUEST_ROWS rows comes back checked, with its `errors`; a larger one comes back `checking`
and is checked by the worker. Commit answers 409 `import_not_checked` or `import_has_errors` when it cannot go.
An import is seen by its creator and by administrators.
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated

from gendan.core.api import IdempotentCreateMixin, RetrieveMixin, ServiceViewSet

from .columns import COLUMNS
from .models import Import
from .progress import percent, rows_done
from .rows import may_import
from .running import check_soon, commit_soon
from .selectors import import_list
from .services import import_commit, import_create
from .sheets import CONTENT_TYPES, FORMATS, LANGUAGES, template_file, template_name


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's number as the spreadsheet shows it (the header is row 1).")
    column = serializers.CharField(help_text="The column's header in the file; empty for the row as a whole.")
    message = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="mapping, checking, checked, committing, done or failed.")
    file_name = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True))
    rows = serializers.IntegerField(source="rows_total", help_text="Data rows in the file.")
    errors = ImportErrorSerializer(many=True)
    progress = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField(help_text="Records made by the commit (for orders, the orders).")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, imp) -> dict:
        return {"rows_done": rows_done(imp), "rows_total": imp.rows_total, "percent": percent(imp)}

    def get_created(self, imp) -> int:
        return imp.result.get("created", 0)


class ImportInputSerializer(serializers.Serializer):
    """Shapes only: the kind, the file and the mapping are the service's to judge (field-keyed 400s)."""

    kind = serializers.CharField(
        help_text=(
            "customers, products, stock, or orders: historical orders, one row per order line, with their shipment, "
            "invoice and payment, dated as they happened; one not shipped yet reserves today's stock (suppliers are "
            "refused for now)."
        )
    )
    file = serializers.FileField(help_text="XLSX, or CSV in UTF-8 (with or without BOM) or GB18030.")
    mapping = serializers.JSONField(
        required=False, binary=True, help_text='{"column header": "field name"}; "" leaves the column out.'
    )


class MayImport(BasePermission):
    """Someone who may import at least one kind; which kind, the service decides (403 for another)."""

    def has_permission(self, request, view):
        return may_import(request.user)


class PlainNegotiation(DefaultContentNegotiation):
    """JSON whatever ?format= says: on the templates route it names the file's format, not the answer's."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


TEMPLATE_PARAMETERS = [
    OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS), description="xlsx (default) or csv"),
    OpenApiParameter("lang", OpenApiTypes.STR, enum=list(LANGUAGES), description="zh-hans (default) or en"),
]


@extend_schema_view(
    create=extend_schema(request={"multipart/form-data": ImportInputSerializer}, responses={201: ImportSerializer}),
)
class ImportViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, ServiceViewSet):
    serializer_class = ImportSerializer
    create_input_serializer_class = ImportInputSerializer
    permission_classes = [IsAuthenticated, MayImport]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema is drawn without a user.
            return Import.objects.none()
        return import_list(user=self.request.user)

    def perform_create(self, data):
        imp = import_create(actor=self.request.user, upload=data.pop("file"), **data)
        check_soon(imp)
        return imp

    @extend_schema(request=None, responses=ImportSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Writes every row, or none, in the worker; poll the import until `done` or `failed`."""
        imp = import_commit(imp=self.get_object(), actor=request.user)
        commit_soon(imp)
        return self.render(imp)

    @extend_schema(
        request=None, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, parameters=TEMPLATE_PARAMETERS
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"templates/(?P<kind>[a-z]{1,16})",
        content_negotiation_class=PlainNegotiation,
    )
    def templates(self, request, kind=None):
        """A blank template: the header row in the chosen language and an example row (XLSX: a sheet explaining
        each column too)."""
        fmt, lang = request.query_params.get("format", "xlsx"), request.query_params.get("lang", "zh-hans")
        problems = {}
        if kind not in COLUMNS:
            problems["kind"] = [_("Choose what to import: %(kinds)s.") % {"kinds": ", ".join(sorted(COLUMNS))}]
        if fmt not in FORMATS:
            problems["format"] = [_("Choose xlsx or csv.")]
        if lang not in LANGUAGES:
            problems["lang"] = [_("Choose zh-hans or en.")]
        if problems:
            raise serializers.ValidationError(problems)
        response = HttpResponse(
            template_file(kind, lang, fmt), content_type=CONTENT_TYPES[fmt], status=status.HTTP_200_OK
        )
        response["Content-Disposition"] = content_disposition_header(True, template_name(kind, lang, fmt))
        return response

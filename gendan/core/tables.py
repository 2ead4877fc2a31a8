"""List pages on django-tables2: one Table per list declares its columns once, for the page and its downloads.

A list is a `ListTable` subclass in the app's tables.py and a view that calls `list_response`:

    class InvoiceTable(ListTable):
        default_sort = "-issued"
        export_name = "invoices"          # ?export=csv|xlsx downloads every filtered row; "" for none
        number = tables.Column(_("Number"), orderable=True)
        ...

        def render_number(self, record):  # the cell on the page; the download holds the value
            return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)

    return list_response(request, InvoiceTable, filterset.qs, "finance/invoice_list.html", {"filter": filterset})

Columns are sortable only when declared `orderable=True` (the ?sort= keys are a whitelist); a column's
`order_by` names the fields it sorts by. Columns with `visible=False` are in downloads only, columns with
`exclude_from_export=True` on the page only; `exclude=` drops columns a role may not see from both (and
from the sort keys, so nobody can sort by what they may not see).

Sorting and paging are ours, not django-tables2's RequestConfig, on purpose: an unknown ?sort= falls back
to the list's default instead of to no order at all, the primary key breaks ties so pages never repeat or
skip a row, and the page is Django's own Page of records (`page_obj`), read by the pager and by tests, with
one COUNT (capped at LIST_COUNT_CAP) and one SELECT of the page; deep pages by keyset (gendan.core.lists).
"""

import datetime
import re

import django_tables2 as tables
from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2.rows import BoundRow
from django_tables2.utils import OrderBy

from .custom_fields import fields_of
from .custom_fields_lists import PREFIX as CUSTOM_PREFIX
from .custom_fields_lists import custom_columns
from .exports import FORMATS, Column, export_response
from .lists import capped_count, keyset_of, paginate
from .numbers import plain_decimal
from .views_exports import start_export

# The class that shows a cell hidden on narrow screens from a width past a tablet's up (Bootstrap's display
# utilities).
_FROM_WIDTH = re.compile(r"\bd-(?:lg|xl|xxl)-table-cell\b")


def cell(*classes: str, th: str = "", td: str = "") -> dict:
    """Column attrs: `classes` on the header and the cells, `th` / `td` on one of them only.

    Hide a column on narrow screens as Bootstrap does: cell("d-none", "d-md-table-cell").
    """
    both = " ".join(classes)
    return {
        "th": {"class": f"{both} {th}".strip()},
        "td": {"class": f"{both} {td}".strip()},
    }


class ListTable(tables.Table):
    """The project's list table: its look, its whitelist of sort keys and its downloads."""

    # The ?sort= used when none, or one that is not a sortable column, is asked for.
    default_sort = ""
    # File name stem of the downloads ("orders" gives orders-20260101.csv); empty: the list has none.
    export_name = ""
    # The downloaded columns in their order, when it differs from the page's; by default every column
    # not excluded from exports, as declared.
    export_sequence: tuple[str, ...] = ()
    # The columns whose sort an index serves however long the list grows (its date, its number), the
    # default's among them; None for a list that stays short, which sorts by any sortable column. On a
    # list that declares them, another column sorts the list once its filters leave LIST_SORT_CAP rows
    # or fewer: past that, a sort reads and orders every row (a million orders by total: seconds), and
    # the page keeps its default order with a word on how to get the sort.
    indexed_sorts: frozenset[str] | None = None
    # The columns a reader may show or hide on the page (the column chooser), in the chooser's order; the
    # others always show. One declared `visible=False` (in downloads only) shows once chosen. Downloads keep
    # their columns whatever is chosen.
    optional_columns: tuple[str, ...] = ()
    # The record type whose custom fields are downloaded too (core.custom_fields_lists), one column each: read
    # only for a download (`downloading=True`), since the page does not show them.
    custom_record_type = ""

    class Meta:
        template_name = "includes/table.html"
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False

    def __init__(self, data, *, sort: str = "", page_obj=None, downloading: bool = False, **kwargs):
        if self.custom_record_type and downloading:
            kwargs["extra_columns"] = [
                *kwargs.get("extra_columns", ()),
                *custom_columns(fields_of(self.custom_record_type)),
            ]
        super().__init__(data, **kwargs)
        # The active ?sort=, for the headers, and the page, for the pager: the rows come ordered and
        # paged already (see `order` and `list_response`).
        self.sort = sort
        self.page_obj = page_obj
        self.chosen = self.default_columns()
        for column in self.columns.iterall():
            if not hasattr(self, f"value_{column.name}"):
                # django-tables2 would download what render_<name> shows (HTML); a download holds the
                # value itself (a number stays a number), unless the table says otherwise in value_<name>.
                column.value = column.column.value

    @classmethod
    def sort_key(cls, requested: str | None, exclude=()) -> str:
        """`requested` when it names a sortable column not in `exclude` (with an optional "-"), else the default."""
        name = (requested or "").removeprefix("-")
        column = None if name in exclude else cls.base_columns.get(name)
        if column is None or not (column.orderable if column.orderable is not None else cls._meta.orderable):
            return cls.default_sort
        return requested

    @classmethod
    def default_columns(cls) -> list[str]:
        """The optional columns shown until the reader chooses: those the table declares visible."""
        return [name for name in cls.optional_columns if cls.base_columns[name].visible]

    @classmethod
    def chosen_columns(cls, data) -> list[str]:
        """The optional columns the query `data` asks for, in the table's order; the defaults when it names none.

        `?columns=status,total` (a link, a saved view) or one `columns` per ticked box with an empty one
        before them (the chooser's form, so that ticking none still says "none").
        """
        if "columns" not in data:
            return cls.default_columns()
        asked = {name for value in data.getlist("columns") for name in value.split(",")}
        return [name for name in cls.optional_columns if name in asked]

    def show_columns(self, chosen, *, by_reader: bool = False) -> None:
        """Shows the optional columns in `chosen` on the page and hides the others.

        `by_reader`: the reader chose them, so each shows from a tablet's width up, even one the table
        otherwise keeps for wide screens (a priority ticked on a laptop shows there). Narrower, the columns
        keep their own widths: on phones the first cells carry the summary (status under the number).
        """
        for name in self.optional_columns:
            if name not in self.columns:  # excluded for this reader
                continue
            if name not in chosen:
                self.columns.hide(name)
                continue
            self.columns.show(name)
            if by_reader:
                attrs = self.columns[name].column.attrs
                for part in ("th", "td"):
                    classes = attrs.get(part, {}).get("class")
                    if isinstance(classes, str) and _FROM_WIDTH.search(classes):
                        attrs[part] = {**attrs[part], "class": _FROM_WIDTH.sub("d-md-table-cell", classes)}
        self.chosen = list(chosen)

    def column_choices(self) -> list[tuple[str, str, bool]]:
        """(name, header, shown) of each optional column the reader may see, for the chooser."""
        return [
            (name, self.columns[name].header, name in self.chosen)
            for name in self.optional_columns
            if name in self.columns
        ]

    @classmethod
    def order_fields(cls, sort: str) -> list[tuple[str, bool]]:
        """The (field, descending) pairs the column `sort` names orders by; the primary key breaks the last ties."""
        if not sort:
            return []
        key = OrderBy(sort)
        column = cls.base_columns[key.bare]
        fields = (*(OrderBy(field) for field in column.order_by or (column.accessor or key.bare,)), OrderBy("pk"))
        return [(f.for_queryset().removeprefix("-"), f.is_descending != key.is_descending) for f in fields]

    @classmethod
    def order(cls, queryset, sort: str):
        """`queryset` ordered by the column `sort` names (see `order_fields`)."""
        if not sort:
            return queryset
        return queryset.order_by(
            *(f"-{field}" if descending else field for field, descending in cls.order_fields(sort))
        )

    def export_columns(self) -> list[Column]:
        """(header, accessor of a row) of every column not excluded from exports, in the download's order."""
        exported = [column for column in self.columns.iterall() if not column.column.exclude_from_export]
        if self.export_sequence:
            # Columns excluded for this user (exclude=) are missing from self.columns and stay out.
            by_name = {column.name: column for column in exported}
            exported = [by_name[name] for name in self.export_sequence if name in by_name] + [
                column for column in exported if column.name.startswith(CUSTOM_PREFIX)
            ]
        return [(column.header, lambda row, name=column.name: row.get_cell_value(name)) for column in exported]

    def export_rows(self, records):
        """`records` (any iterable, read lazily) as rows of this table, for `export_columns`."""
        return (BoundRow(record, table=self) for record in records)

    def export_filename(self) -> str:
        return f"{self.export_name}-{timezone.localdate():%Y%m%d}"

    def export(self, fmt: str):
        """A download of every row of the table, one column per column not excluded from exports."""
        return export_response(self.rows, self.export_columns(), fmt, self.export_filename())


class ActionsColumn(tables.Column):
    """The row's buttons (render_<name> on the table draws them); its header is for screen readers only."""

    def __init__(self, **kwargs):
        super().__init__(_("Actions"), empty_values=(), exclude_from_export=True, **kwargs)

    @property
    def header(self):
        return format_html('<span class="visually-hidden">{}</span>', self.verbose_name)


class SelectColumn(tables.Column):
    """A checkbox per row for the list's actions on a selection, and one in the header for the whole page.

    The boxes belong to the form `form_id` (the list's action bar) wherever it stands on the page, and
    send the row's id as `id` (core.filters.IdsFilter); gendan/static/gendan/selection.js ties the
    header's box to the rows' and counts them.
    """

    def __init__(self, form_id: str, **kwargs):
        self.form_id = form_id
        super().__init__(
            verbose_name=_("Select"),
            accessor="pk",
            empty_values=(),
            exclude_from_export=True,
            attrs=cell("select-cell"),
            **kwargs,
        )

    @property
    def header(self):
        return format_html(
            '<label class="select-box"><input class="form-check-input" type="checkbox" data-select-all="{}" '
            'aria-label="{}"></label>',
            self.form_id,
            _("Select all on this page"),
        )

    def render(self, record):
        return format_html(
            '<label class="select-box"><input class="form-check-input" type="checkbox" name="id" value="{}" '
            'form="{}" data-select-row aria-label="{}"></label>',
            record.pk,
            self.form_id,
            _("Select %(record)s") % {"record": record},
        )


def list_response(request, table_class: type[ListTable], queryset, template: str, context=None, *, exclude=()):
    """The list page of `queryset` (already scoped and filtered), or with ?export= the download of all its rows.

    The template gets `table` ({% render_table table %} shows it with its pager, in the columns the query
    chose: `ListTable.chosen_columns`), `page_obj` (the page of records) and `sort` (kept by the filter form),
    besides `context`.

    A download of more than EXPORT_INLINE_ROWS rows is written by the worker: a list with an `export_name`
    is registered under that name in core.exportable, whence the worker re-runs it from the user and the
    query string. Smaller ones are answered at once.
    """
    sort = table_class.sort_key(request.GET.get("sort"), exclude)

    rows = table_class.order(queryset, sort)
    fmt = request.GET.get("export")
    if table_class.export_name and fmt in FORMATS:
        # Every filtered row, not only the page on screen.
        table = table_class(rows, exclude=exclude, downloading=True)
        # Counted no further than the limit: the worker counts a large selection, not the request.
        if capped_count(rows, settings.EXPORT_INLINE_ROWS) <= settings.EXPORT_INLINE_ROWS:
            return table.export(fmt)
        name = table_class.export_name
        return start_export(request, list_name=name, fmt=fmt, filename=f"{table.export_filename()}.{fmt}")
    counted = None
    if sort and table_class.indexed_sorts is not None and sort.removeprefix("-") not in table_class.indexed_sorts:
        # Counted as far as a sort may go; the pager takes this count and says "more than" past its own cap.
        counted = capped_count(queryset, settings.LIST_SORT_CAP)
        if counted > settings.LIST_SORT_CAP:
            column = table_class.base_columns[sort.removeprefix("-")]
            messages.info(
                request,
                _(
                    "Sorting by “%(column)s” needs a list of at most %(count)s rows: narrow it with the filters. "
                    "It is shown in its usual order meanwhile."
                )
                % {"column": column.verbose_name, "count": intcomma(settings.LIST_SORT_CAP)},
            )
            sort = table_class.default_sort
            rows = table_class.order(queryset, sort)
    page_obj = paginate(
        request, rows, keyset=keyset_of(queryset.model, table_class.order_fields(sort)), counted=counted
    )
    table = table_class(page_obj.object_list, sort=sort, page_obj=page_obj, exclude=exclude)
    table.show_columns(table_class.chosen_columns(request.GET), by_reader="columns" in request.GET)
    return render(request, template, {**(context or {}), "table": table, "page_obj": page_obj, "sort": sort})


def badge(css_class: str, text) -> str:
    """A status badge, as every list shows them."""
    return format_html('<span class="badge {}">{}</span>', css_class, text)


def when(value, fmt: str = "Y-m-d") -> str:
    """A date or time as the `date` template filter shows it: a moment on the user's clock."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, fmt)


def number(value, places: str | None = None) -> str:
    """A number as the floatformat template filter shows it (grouped, in the user's locale).

    Without `places`, a quantity: as many decimals as it has, so 2.500 shows as 2.5 and 1200.000 as 1,200.
    """
    if places is None:
        places = f"{len(plain_decimal(value).partition('.')[2])}g"
    return floatformat(value, places)

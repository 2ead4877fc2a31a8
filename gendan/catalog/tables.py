"""The product list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.tables import ActionsColumn, ListTable, cell, number


def _price(value):
    return number(value, "2g")


class ProductTable(ListTable):
    """Products with what is available; cost only for roles that may see it (exclude=("cost",))."""

    default_sort = "sku"
    export_name = "products"
    custom_record_type = "catalog.product"

    sku = tables.Column(
        gettext_lazy("SKU"), orderable=True, attrs=cell("text-nowrap", "d-none", "d-sm-table-cell", td="small")
    )
    name = tables.Column(gettext_lazy("Name"), orderable=True)
    unit = tables.Column(gettext_lazy("Unit"), attrs=cell("d-none", "d-sm-table-cell"))
    list_price = tables.Column(gettext_lazy("List price"), orderable=True, attrs=cell("num", "text-nowrap"))
    floor_price = tables.Column(
        gettext_lazy("Floor price"), attrs=cell("num", "d-none", "d-md-table-cell", td="text-nowrap")
    )
    cost = tables.Column(
        gettext_lazy("Cost"),
        attrs={
            "th": {"class": "num d-none d-md-table-cell", "data-testid": "cost-header"},
            "td": {"class": "num text-nowrap d-none d-md-table-cell"},
        },
    )
    available = tables.Column(
        gettext_lazy("Available"), accessor="available_total", orderable=True, attrs=cell("num", "text-nowrap")
    )
    actions = ActionsColumn(attrs={"td": {"class": "text-end"}})

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "product-table"}
        row_attrs = {"class": lambda record: "" if record.is_active else "text-muted"}
        empty_text = gettext_lazy("No products match these filters.")

    def render_name(self, record):
        inactive = (
            format_html(' <span class="badge text-bg-secondary">{}</span>', _("inactive"))
            if not record.is_active
            else ""
        )
        return format_html('<div class="small text-muted d-sm-none">{}</div>{}{}', record.sku, record.name, inactive)

    def render_list_price(self, value):
        return _price(value)

    def render_floor_price(self, value):
        return _price(value)

    def render_cost(self, value):
        return _price(value)

    def render_available(self, record):
        return format_html(
            '<a href="{}?product={}" title="{}" class="{}">{}</a>',
            reverse("inventory:stock_list"),
            record.pk,
            _("%(on_hand)s on hand") % {"on_hand": number(record.on_hand_total)},
            "text-danger" if record.available_total <= 0 else "",
            number(record.available_total),
        )

    def render_actions(self, record):
        return format_html(
            '<a class="btn btn-link btn-sm p-0" href="{}" data-testid="edit-product" title="{}">'
            '<i class="bi bi-pencil"></i><span class="visually-hidden">{}</span></a>',
            reverse("catalog:product_edit", args=[record.pk]),
            _("Edit"),
            _("Edit"),
        )

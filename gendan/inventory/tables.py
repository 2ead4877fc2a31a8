"""The stock lists: levels per product and warehouse, and the ledger of moves."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.tables import ListTable, badge, cell, number, when


class StockLevelTable(ListTable):
    default_sort = "product"

    product = tables.Column(gettext_lazy("Product"), orderable=True, order_by=("product__sku", "warehouse__code"))
    warehouse = tables.Column(
        gettext_lazy("Warehouse"),
        orderable=True,
        order_by=("warehouse__code", "product__sku"),
        attrs={"td": {"class": "text-nowrap"}},
    )
    on_hand = tables.Column(gettext_lazy("On hand"), orderable=True, attrs=cell("num", th="text-nowrap"))
    reserved = tables.Column(gettext_lazy("Reserved"), orderable=True, attrs=cell("num", th="text-nowrap"))
    available = tables.Column(
        gettext_lazy("Available"),
        accessor="available_quantity",
        orderable=True,
        attrs={
            "th": {"class": "num text-nowrap"},
            "td": {
                "class": lambda record: "num fw-semibold" + (" text-danger" if record.available_quantity <= 0 else "")
            },
        },
    )

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "stock-table"}
        empty_text = gettext_lazy("No stock matches these filters.")

    def render_product(self, record):
        return format_html('<span class="small text-muted">{}</span> {}', record.product.sku, record.product.name)

    def render_on_hand(self, value):
        return number(value)

    def render_reserved(self, value):
        return number(value)

    def render_available(self, record):
        return format_html(
            '<a class="text-reset" href="{}?product={}&amp;warehouse={}" title="{}">{}</a>',
            reverse("inventory:move_list"),
            record.product_id,
            record.warehouse_id,
            _("Stock moves"),
            number(record.available_quantity),
        )


class StockMoveTable(ListTable):
    """The ledger reads newest first, as the model orders it; no other sort makes sense for a ledger."""

    time = tables.Column(gettext_lazy("Time"), accessor="created_at", attrs={"td": {"class": "small"}})
    kind = tables.Column(gettext_lazy("Kind"), attrs=cell("d-none", "d-sm-table-cell", td="text-nowrap"))
    product = tables.Column(gettext_lazy("Product"))
    warehouse = tables.Column(gettext_lazy("Warehouse"), attrs=cell("d-none", "d-sm-table-cell", td="text-nowrap"))
    quantity = tables.Column(
        gettext_lazy("Quantity"),
        attrs={
            "th": {"class": "num"},
            "td": {
                "class": lambda record: "num text-nowrap " + ("text-danger" if record.quantity < 0 else "text-success")
            },
        },
    )
    order = tables.Column(
        gettext_lazy("Order"),
        accessor="order_line",
        empty_values=(),
        attrs=cell("d-none", "d-md-table-cell", td="text-nowrap"),
    )
    actor = tables.Column(gettext_lazy("By"), attrs=cell("d-none", "d-md-table-cell", td="text-nowrap"))
    note = tables.Column(gettext_lazy("Note"), default="", attrs=cell("d-none", "d-lg-table-cell", td="small"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "move-table"}
        empty_text = gettext_lazy("No stock moves match these filters.")

    def _kind(self, move):
        return badge(f"move-{move.kind}", move.get_kind_display())

    def render_time(self, record, value):
        return format_html(
            '<span class="text-nowrap">{}</span> <span class="text-nowrap">{}</span><div class="d-sm-none">{}</div>',
            when(value),
            when(value, "H:i"),
            self._kind(record),
        )

    def render_kind(self, record):
        return self._kind(record)

    def render_product(self, record):
        return format_html(
            '<span class="small text-muted">{}</span> {}<div class="small text-muted d-sm-none">{}</div>',
            record.product.sku,
            record.product.name,
            record.warehouse,
        )

    def render_quantity(self, value):
        return format_html("{}{}", "+" if value > 0 else "", number(value))

    def render_order(self, record):
        if record.order_visible:
            line = record.order_line
            return format_html(
                '<a href="{}">{}</a>', reverse("sales:order_detail", args=[line.order_id]), line.order.number
            )
        if record.order_line_id:
            return format_html(
                '<span class="text-muted" title="{}">—</span>', _("An order outside the ones you can see")
            )
        return ""

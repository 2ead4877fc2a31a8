"""The columns each kind of import knows: the field, its header in Chinese and English, the other names people give
it, and how a file's headers are matched to them.

Headers are part of the file's format, not of the page: a sheet headed in Chinese is read the same whatever language
the reader has chosen, so the two headers are written here as they are, not translated.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gendan.core.custom_fields import fields_of
from gendan.core.models import CustomFieldKind

from .models import ImportKind


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    help: str
    example_zh: str = ""
    example_en: str = ""
    required: bool = False
    synonyms: tuple[str, ...] = field(default=())

    def header(self, lang: str) -> str:
        text = self.zh if lang == "zh-hans" else self.en
        return f"{text}*" if self.required else text

    def example(self, lang: str) -> str:
        return self.example_zh if lang == "zh-hans" else self.example_en


CUSTOMER_COLUMNS = [
    Column(
        "code",
        "客户编码",
        "Customer code",
        _("Your own code for the customer, kept as it is; left empty, the next number is given."),
        "KH0001",
        "KH0001",
        synonyms=("客户代码", "客户编号", "编码", "编号", "code"),
    ),
    Column(
        "name",
        "客户名称",
        "Customer name",
        _("The company's full name. A customer of the same name already here is refused as a duplicate."),
        "苏州恒信机械有限公司",
        "Suzhou Hengxin Machinery Co., Ltd.",
        required=True,
        synonyms=("公司名称", "名称", "客户", "公司", "单位名称", "客户全称", "name", "company"),
    ),
    Column(
        "phone",
        "公司电话",
        "Phone",
        _("The company's switchboard."),
        "0512-66881234",
        "0512-66881234",
        synonyms=("电话", "座机", "办公电话", "tel", "telephone"),
    ),
    Column("email", "公司邮箱", "E-mail", _("The company's e-mail address."), synonyms=("邮箱", "电子邮件", "email")),
    Column(
        "tax_id",
        "税号",
        "Tax ID",
        _("The 18-character unified social credit code."),
        "91320500MA1XXXXX0K",
        "91320500MA1XXXXX0K",
        synonyms=("纳税人识别号", "统一社会信用代码", "信用代码", "tax id"),
    ),
    Column(
        "level",
        "客户等级",
        "Level",
        _("A (key account), B (regular) or C (occasional); B when empty."),
        "A",
        "A",
        synonyms=("级别", "等级", "客户级别"),
    ),
    Column("industry", "行业", "Industry", _("Free text."), "机械制造", "Machinery", synonyms=("所属行业",)),
    Column(
        "region", "地区", "Region", _("Free text, e.g. the province."), "江苏", "Jiangsu", synonyms=("区域", "所属地区")
    ),
    Column("source", "客户来源", "Source", _("Free text."), "展会", "Trade fair", synonyms=("来源",)),
    Column(
        "owner",
        "负责人",
        "Owner",
        _("The salesperson, by user name or full name; empty: you, or the assignment rule."),
        synonyms=("业务员", "销售", "销售员", "跟进人", "所属销售", "owner"),
    ),
    Column(
        "credit_limit",
        "信用额度",
        "Credit limit",
        _("In yuan; 0 when empty."),
        "200000",
        "200000",
        synonyms=("额度", "授信额度"),
    ),
    Column(
        "payment_terms_days",
        "账期(天)",
        "Payment terms (days)",
        _("Days to pay after the invoice; 30 when empty."),
        "30",
        "30",
        synonyms=("账期", "付款天数", "付款期限"),
    ),
    Column("notes", "备注", "Notes", _("Free text."), synonyms=("说明",)),
    Column(
        "contact_name",
        "联系人",
        "Contact",
        _("One contact per row: the person you deal with."),
        "王建国",
        "Wang Jianguo",
        synonyms=("联系人姓名", "contact name"),
    ),
    Column(
        "contact_phone",
        "联系人手机",
        "Contact phone",
        _("The contact's mobile."),
        "13912345678",
        "13912345678",
        synonyms=("手机", "手机号", "手机号码", "联系电话", "联系人电话", "mobile"),
    ),
    Column(
        "contact_title", "职务", "Contact title", _("Free text."), "采购经理", "Purchasing manager", synonyms=("职位",)
    ),
    Column("contact_email", "联系人邮箱", "Contact e-mail", _("The contact's e-mail address.")),
    Column(
        "recipient",
        "收货人",
        "Recipient",
        _("One delivery address per row; the contact when empty."),
        synonyms=("收件人",),
    ),
    Column(
        "recipient_phone",
        "收货电话",
        "Recipient phone",
        _("The contact's mobile when empty."),
        synonyms=("收货人电话", "收件人电话"),
    ),
    Column("province", "省份", "Province", _("Needed for an address."), "江苏省", "Jiangsu", synonyms=("省",)),
    Column("city", "城市", "City", _("Needed for an address."), "苏州市", "Suzhou", synonyms=("市",)),
    Column("district", "区县", "District", _("Free text."), "吴中区", "Wuzhong", synonyms=("区", "县")),
    Column(
        "street",
        "详细地址",
        "Street address",
        _("Needed for an address: street and number."),
        "木渎镇金枫路88号",
        "88 Jinfeng Road, Mudu",
        synonyms=("地址", "收货地址", "街道"),
    ),
    Column("postal_code", "邮编", "Postal code", _("Free text."), synonyms=("邮政编码",)),
]

PRODUCT_COLUMNS = [
    Column(
        "sku",
        "产品编码",
        "SKU",
        _("Unique. A product with the same code already here is refused as a duplicate."),
        "FM-DN50",
        "FM-DN50",
        required=True,
        synonyms=("编码", "物料编码", "商品编码", "产品编号", "货号", "料号", "code"),
    ),
    Column(
        "name",
        "产品名称",
        "Product name",
        _("Free text."),
        "不锈钢球阀 DN50",
        "Stainless ball valve DN50",
        required=True,
        synonyms=("名称", "品名", "商品名称", "物料名称", "name"),
    ),
    Column(
        "unit",
        "单位",
        "Unit",
        _("A unit of measure by code or name (个, 台, 套...); pieces when empty."),
        "个",
        "pcs",
        synonyms=("计量单位",),
    ),
    Column(
        "list_price",
        "标准价",
        "List price",
        _("In yuan, tax included."),
        "320.00",
        "320.00",
        required=True,
        synonyms=("单价", "售价", "价格", "销售价", "销售单价", "price"),
    ),
    Column(
        "floor_price",
        "底价",
        "Floor price",
        _("The lowest price without approval; the list price when empty."),
        "280.00",
        "280.00",
        synonyms=("最低价", "最低售价"),
    ),
    Column("cost", "成本", "Cost", _("In yuan; 0 when empty."), "210.00", "210.00", synonyms=("成本价", "进价")),
    Column(
        "is_active",
        "启用",
        "Active",
        _("是 or 否 (yes or no); yes when empty."),
        "是",
        "yes",
        synonyms=("是否启用", "状态"),
    ),
]

STOCK_COLUMNS = [
    Column(
        "sku",
        "产品编码",
        "SKU",
        _("A product already here, by its code."),
        "FM-DN50",
        "FM-DN50",
        required=True,
        synonyms=("编码", "物料编码", "商品编码", "产品编号", "货号", "料号", "code"),
    ),
    Column(
        "warehouse",
        "仓库",
        "Warehouse",
        _("A warehouse already here, by code or name."),
        "WH1",
        "WH1",
        required=True,
        synonyms=("仓库编码", "仓库名称", "仓库代码"),
    ),
    Column(
        "quantity",
        "期初数量",
        "Opening quantity",
        _("What is on hand at the start, above zero."),
        "120",
        "120",
        required=True,
        synonyms=("数量", "库存", "库存数量", "期初库存", "quantity"),
    ),
    Column("note", "备注", "Note", _("Free text."), synonyms=("说明",)),
]

# One row per order line, as order books are kept in Excel: the rows of one order number are one order, and the
# columns from the customer on (all but the line's product, quantity and price) are the order's, given on its first
# row and the same or empty on the others.
ORDER_COLUMNS = [
    Column(
        "number",
        "订单号",
        "Order number",
        _(
            "Your own number for the order, kept as it is. Rows with the same number are the lines of one order; a "
            "number already here is refused."
        ),
        "XS-2023-0001",
        "XS-2023-0001",
        required=True,
        synonyms=("订单编号", "销售订单号", "单号", "销售单号", "order no", "order"),
    ),
    Column(
        "customer",
        "客户",
        "Customer",
        _("A customer already here that you can see, by its code or its name."),
        "苏州恒信机械有限公司",
        "Suzhou Hengxin Machinery Co., Ltd.",
        required=True,
        synonyms=("客户名称", "客户编码", "客户代码", "购货单位", "customer name", "customer code"),
    ),
    Column(
        "ordered_on",
        "下单日期",
        "Order date",
        _("When the order was placed and confirmed; not later than today."),
        "2023-03-01",
        "2023-03-01",
        required=True,
        synonyms=("订单日期", "签订日期", "日期", "order date", "date"),
    ),
    Column(
        "promised_date",
        "交货日期",
        "Promised date",
        _("The delivery date promised to the customer."),
        "2023-03-15",
        "2023-03-15",
        synonyms=("交期", "承诺交期", "约定交期", "promised date"),
    ),
    Column(
        "owner",
        "业务员",
        "Owner",
        _("The salesperson, by user name or full name; the customer's owner when empty."),
        synonyms=("负责人", "销售", "销售员", "跟单员", "owner"),
    ),
    Column(
        "product",
        "产品",
        "Product",
        _("A product already here, by its code, or by its name when no other product has it."),
        "FM-DN50",
        "FM-DN50",
        required=True,
        synonyms=("产品编码", "产品名称", "物料编码", "商品编码", "品名", "货号", "sku", "product code"),
    ),
    Column(
        "quantity",
        "数量",
        "Quantity",
        _("Above zero, in the product's unit."),
        "20",
        "20",
        required=True,
        synonyms=("订货数量", "销售数量", "qty"),
    ),
    Column(
        "unit_price",
        "单价",
        "Unit price",
        _("In yuan, before tax as on an order's line (the order adds tax at the usual rate); zero or more."),
        "320.00",
        "320.00",
        required=True,
        synonyms=("销售单价", "价格", "price"),
    ),
    Column(
        "shipped_on",
        "发货日期",
        "Shipped on",
        _("When the whole order left; empty: not shipped yet (it is then open, and reserves today's stock)."),
        "2023-03-05",
        "2023-03-05",
        synonyms=("发货时间", "出库日期", "shipped"),
    ),
    Column(
        "carrier",
        "物流公司",
        "Carrier",
        _("Who carried it: a courier's name, 自提 (picked up) or 送货上门 (own delivery)."),
        "顺丰速运",
        "SF Express",
        synonyms=("快递公司", "承运商", "物流"),
    ),
    Column(
        "tracking_number",
        "运单号",
        "Tracking number",
        _("The carrier's number: letters, digits and dashes."),
        "SF1234567890",
        "SF1234567890",
        synonyms=("快递单号", "物流单号", "tracking"),
    ),
    Column(
        "delivered_on",
        "签收日期",
        "Delivered on",
        _("When the customer signed for it; needs the shipping date."),
        "2023-03-08",
        "2023-03-08",
        synonyms=("收货日期", "到货日期", "delivered"),
    ),
    Column(
        "invoice_number",
        "发票号",
        "Invoice number",
        _("Your own number for the invoice, kept as it is; empty: the next number is given."),
        synonyms=("发票号码", "发票编号"),
    ),
    Column(
        "invoiced_on",
        "开票日期",
        "Invoiced on",
        _("When the whole order was invoiced; needs the shipping date."),
        "2023-03-10",
        "2023-03-10",
        synonyms=("发票日期", "invoiced"),
    ),
    Column(
        "paid_amount",
        "回款金额",
        "Amount paid",
        _("In yuan, tax included: what the customer paid of the invoice, up to its total; with the payment date."),
        "7232.00",
        "7232.00",
        synonyms=("收款金额", "已收金额", "已回款", "paid amount"),
    ),
    Column(
        "paid_on",
        "回款日期",
        "Paid on",
        _("When the money was received; with the amount paid and the invoice date."),
        "2023-04-02",
        "2023-04-02",
        synonyms=("收款日期", "付款日期", "到账日期", "paid"),
    ),
    Column("notes", "备注", "Notes", _("Free text."), synonyms=("说明",)),
]

COLUMNS: dict[str, list[Column]] = {
    ImportKind.CUSTOMERS: CUSTOMER_COLUMNS,
    ImportKind.PRODUCTS: PRODUCT_COLUMNS,
    ImportKind.STOCK: STOCK_COLUMNS,
    ImportKind.ORDERS: ORDER_COLUMNS,
}

# What a kind's template says besides its columns (the XLSX's second sheet) and its page says beside the upload.
NOTES = {
    ImportKind.ORDERS: _(
        "Past orders are recorded as they ended up, on their own dates, so that sales, invoicing and collection "
        "figures show them on their real days. What left in the past moves no stock (import the opening stock for "
        "what is on hand today, first); an order not shipped yet reserves today's stock, as any confirmed order does, "
        "so that it ships here. No reminder or notice is sent for them. An order is confirmed on its order date; "
        "shipped whole, delivered, invoiced whole and paid on the dates its row gives; closed when delivered and paid "
        "in full."
    ),
}

# The record type whose custom fields (core.custom_fields) a kind's rows may fill, each a column of its own named by
# the field's label (or key), its field `cf_<key>`.
CUSTOM_RECORD_TYPES = {ImportKind.CUSTOMERS: "crm.customer", ImportKind.PRODUCTS: "catalog.product"}
CUSTOM_PREFIX = "cf_"


def _custom_help(field) -> str:
    if field.kind == CustomFieldKind.NUMBER:
        takes = gettext("A number.")
    elif field.kind == CustomFieldKind.DATE:
        takes = gettext("A date, as YYYY-MM-DD.")
    elif field.kind == CustomFieldKind.CHOICE:
        takes = gettext("One of: %(choices)s.") % {"choices": ", ".join(field.choices)}
    elif field.kind == CustomFieldKind.PERSON:
        takes = gettext("A user, by user name or full name.")
    else:
        takes = gettext("Free text.")
    return f"{takes} {field.help_text}".strip()


def custom_columns(kind: str) -> list[Column]:
    """A column per active custom field of the kind's record type, in the fields' order (one query)."""
    record_type = CUSTOM_RECORD_TYPES.get(kind)
    if record_type is None:
        return []
    return [
        Column(CUSTOM_PREFIX + f.key, f.label, f.label, _custom_help(f), required=f.required, synonyms=(f.key,))
        for f in fields_of(record_type)
    ]


def columns_of(kind: str) -> list[Column]:
    """The kind's columns: its own, then its record type's custom fields."""
    return [*COLUMNS[kind], *custom_columns(kind)]


# What each kind is called in a downloaded template's file name.
FILE_NAMES = {
    ImportKind.CUSTOMERS: ("客户导入模板", "customers-template"),
    ImportKind.PRODUCTS: ("产品导入模板", "products-template"),
    ImportKind.STOCK: ("期初库存导入模板", "opening-stock-template"),
    ImportKind.ORDERS: ("历史订单导入模板", "historical-orders-template"),
}


def normalise(header: str) -> str:
    """A header as compared: no spaces or required marks, half-width brackets, lower case."""
    text = str(header).translate(str.maketrans("（）：", "():")).casefold()
    return re.sub(r"[\s*＊:]+", "", text)


def names_of(kind: str) -> dict[str, str]:
    """{normalised name: field}: both headers and the synonyms of each column of `kind`."""
    names = {}
    for column in columns_of(kind):
        for name in (column.zh, column.en, *column.synonyms):
            names.setdefault(normalise(name), column.field)
    return names


def match_headers(kind: str, headers: list[str]) -> dict[str, str]:
    """{header: field} for the headers recognised by name; a field already taken by an earlier column is not given
    twice (a sheet with both 电话 and 公司电话 leaves the second for the user to name)."""
    names = names_of(kind)
    matched, taken = {}, set()
    for header in headers:
        field_name = names.get(normalise(header))
        if field_name and field_name not in taken:
            matched[header] = field_name
            taken.add(field_name)
    return matched


def headers_key(headers: list[str]) -> str:
    """The same columns, in any order: one key."""
    return hashlib.sha256("\x1f".join(sorted(normalise(h) for h in headers)).encode()).hexdigest()


def field_choices(kind: str) -> list[tuple[str, str]]:
    """The fields a column may be mapped to, each named in both languages (the reader's sheet may be in either)."""
    return [(c.field, c.zh if c.zh == c.en else f"{c.zh} / {c.en}") for c in columns_of(kind)]

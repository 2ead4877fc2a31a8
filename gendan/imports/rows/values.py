"""What the row handlers share: one run's context (who imports, the lookups read once, the keys seen) and the reading
of a cell's value (text, a number, a date, yes or no) into what a service takes, a problem as a field's error."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.models import User
from gendan.catalog.models import Product, UnitOfMeasure
from gendan.core.bounds import date_problems
from gendan.crm.models import Customer
from gendan.inventory.models import StockLevel, Warehouse
from gendan.inventory.selectors import default_warehouse

# What is already here, by the key a row is compared on. A product has a stock level in a warehouse from its first
# movement there on.
EXISTING = {
    "customer_names": lambda: Customer.objects.values_list("name", flat=True),
    "customer_codes": lambda: Customer.objects.values_list("code", flat=True),
    "skus": lambda: Product.objects.values_list("sku", flat=True),
    "stocked": lambda: StockLevel.objects.values_list("product_id", "warehouse_id"),
}

YES = {"是", "y", "yes", "true", "1", "启用", "有效", "在售"}
NO = {"否", "n", "no", "false", "0", "停用", "禁用", "无效", "停售"}


@dataclass
class RowContext:
    """What one run of an import knows across its rows: who imports, the lookups read once, the keys seen so far."""

    actor: User
    import_id: int
    seen: dict = field(default_factory=dict)
    _users: dict | None = None
    _units: dict | None = None
    _warehouses: dict | None = None
    _customers: dict | None = None
    _products: dict | None = None
    # Rows read once per run for every order that names them (a customer orders many times, products recur).
    _customer_rows: dict = field(default_factory=dict)
    _product_rows: dict = field(default_factory=dict)
    _default_warehouse: Warehouse | None = None
    _existing: dict = field(default_factory=dict)
    # One "now" for the whole run: a date of today is dated now, and the steps of one day keep their order.
    now: datetime.datetime = field(default_factory=timezone.now)

    def first_row(self, key, row: int) -> int | None:
        """The row that already had `key` in this file, or None (and `row` has it from now on)."""
        earlier = self.seen.get(key)
        if earlier is None:
            self.seen[key] = row
        return earlier

    def existing(self, what: str) -> set:
        """The keys already here, read once per run: a query per row would scan customers' names (not indexed)
        once for every row, and the rows this run adds are caught by `first_row`."""
        if what not in self._existing:
            self._existing[what] = set(EXISTING[what]())
        return self._existing[what]

    def user(self, name: str):
        if self._users is None:
            self._users = {}
            for user in User.objects.filter(is_active=True):
                names = {user.username, user.get_full_name(), f"{user.last_name}{user.first_name}", str(user)}
                for key in {n.strip().casefold() for n in names if n.strip()}:
                    # Two people of one name: neither is taken by name.
                    self._users[key] = None if key in self._users and self._users[key] != user else user
        return self._users.get(name.strip().casefold(), False)

    def unit(self, name: str):
        if self._units is None:
            self._units = {}
            for unit in UnitOfMeasure.objects.all():
                self._units.setdefault(unit.code.casefold(), unit.code)
                self._units.setdefault(unit.name.casefold(), unit.code)
        return self._units.get(name.strip().casefold())

    def customer_id(self, name: str):
        """The id of the customer the actor sees with this code, else this name; None when two share the name,
        False when none has it. Read once per run: names have no index, a search per order would scan them all."""
        if self._customers is None:
            self._customers = {"code": {}, "name": {}}
            for pk, code, customer_name in Customer.objects.visible_to(self.actor).values_list("pk", "code", "name"):
                if code:
                    self._customers["code"][code.casefold()] = pk
                key = customer_name.strip().casefold()
                self._customers["name"][key] = None if key in self._customers["name"] else pk
        key = name.strip().casefold()
        if key in self._customers["code"]:
            return self._customers["code"][key]
        return self._customers["name"].get(key, False)

    def product_id(self, name: str):
        """The id of the product with this code, else of the one product with this name; None when several have the
        name, False when none."""
        if self._products is None:
            self._products = {"sku": {}, "name": {}}
            for pk, sku, product_name in Product.objects.values_list("pk", "sku", "name"):
                self._products["sku"][sku.casefold()] = pk
                key = product_name.strip().casefold()
                self._products["name"][key] = None if key in self._products["name"] else pk
        key = name.strip().casefold()
        if key in self._products["sku"]:
            return self._products["sku"][key]
        return self._products["name"].get(key, False)

    def moment(self, day: datetime.date) -> datetime.datetime:
        """A day of the past as a moment: its noon in the company's time zone (the same day whatever the clocks
        do), or now for today before noon."""
        noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        # A day ahead stays ahead, for the service to refuse.
        return min(noon, self.now) if day == timezone.localdate(self.now) else noon

    def customers(self, ids) -> dict:
        """{id: customer, with its owner}, each read once per run."""
        return self._rows(self._customer_rows, Customer.objects.select_related("owner"), ids)

    def products(self, ids) -> dict:
        """{id: product}, each read once per run."""
        return self._rows(self._product_rows, Product.objects.all(), ids)

    @staticmethod
    def _rows(known: dict, queryset, ids) -> dict:
        if missing := {pk for pk in ids if pk not in known}:
            known.update(queryset.in_bulk(missing))
        return {pk: known[pk] for pk in ids if pk in known}

    def default_warehouse(self):
        """Where the run's orders are kept (`inventory.selectors.default_warehouse`), read once."""
        if self._default_warehouse is None:
            self._default_warehouse = default_warehouse()
        return self._default_warehouse

    def warehouse(self, name: str):
        if self._warehouses is None:
            self._warehouses = {}
            for warehouse in Warehouse.objects.all():
                self._warehouses.setdefault(warehouse.code.casefold(), warehouse)
                self._warehouses.setdefault(warehouse.name.casefold(), warehouse)
        return self._warehouses.get(name.strip().casefold())


def text_value(values, name) -> str:
    value = values.get(name, "")
    return value.isoformat() if hasattr(value, "isoformat") else str(value).strip()


def decimal_value(values, name, errors, default=None):
    text = text_value(values, name).replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not text:
        return default
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    return number


def whole_value(values, name, errors, default):
    number = decimal_value(values, name, errors, default)
    if number is None or name in errors:
        return default
    if number != number.to_integral_value() or number < 0:
        errors[name] = [_("Enter a whole number of zero or more.")]
        return default
    return int(number)


def duplicate_error(errors, name, earlier: int | None, message: str) -> None:
    if earlier is not None:
        errors[name] = [_("The same as row %(row)s of this file.") % {"row": earlier}]
    elif message:
        errors[name] = [message]


def yes_no(values, name, errors) -> bool:
    text = text_value(values, name).casefold()
    if not text or text in YES:
        return True
    if text in NO:
        return False
    errors[name] = [_("Write 是 or 否 (yes or no).")]
    return True


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")


def date_value(values, name, errors):
    """A date as Excel keeps it (a date cell) or as people type it: 2023-03-01, 2023/3/1, 2023.3.1, 2023年3月1日."""
    value = values.get(name, "")
    if isinstance(value, datetime.datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
    if not text:
        return None
    if found := CHINESE_DATE.fullmatch(text):
        text = "-".join(found.groups())
    # A time after the date (2023-03-01 00:00:00, as some programs write dates) says nothing more.
    text = text.split()[0] if " " in text else text
    for pattern in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        # Off the calendar (year 1) is refused here, before it is made a moment that no time zone can hold.
        if problems := date_problems(day):
            errors[name] = problems
            return None
        return day
    errors[name] = [_("Enter a date such as 2023-03-01.")]
    return None


class GroupError(Exception):
    """The errors of the rows of one group (an order), each as a ValidationError or ApplicationError of its row."""

    def __init__(self, by_row: list[tuple[int, Exception]]):
        self.by_row = by_row

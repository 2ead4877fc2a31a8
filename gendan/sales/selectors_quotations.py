"""Reads of quotations, always scoped to the user: lists, the page, versions and what changed between them."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gendan.core.models import Event
from gendan.core.selectors import TIMELINE_LENGTH
from gendan.core.text import comparable_text

from .models import QUOTATION_ACTIONS, Quotation, QuotationLine, QuotationStatus


def quotation_list(*, user) -> QuerySet[Quotation]:
    """The live version of every quotation the user may see (older versions are reached from it)."""
    return Quotation.objects.visible_to(user).current().select_related("customer", "owner")


def quotation_detail_queryset(*, user) -> QuerySet[Quotation]:
    """Every version the user may see, with what its page, API record and PDF show."""
    return (
        Quotation.objects.visible_to(user)
        .select_related("customer", "contact", "opportunity", "owner", "order", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=QuotationLine.objects.select_related("product").order_by("position", "id"))
        )
    )


def quotation_allowed_actions(*, quotation: Quotation, user, today=None) -> list[str]:
    """The actions the transition table allows on this quotation for this user, in table order.

    Accepting is left out once the last valid day is over, even before the nightly run marks
    the quotation expired: the service would refuse it.
    """
    today = today or timezone.localdate()
    allowed = []
    for action, (from_statuses, perms) in QUOTATION_ACTIONS.items():
        if quotation.status not in from_statuses or not all(user.has_perm(perm) for perm in perms):
            continue
        if action == "accept" and quotation.valid_until < today:
            continue
        allowed.append(action)
    return allowed


def quotation_versions(*, quotation: Quotation, user) -> list[Quotation]:
    """Every version of the quotation's number the user may see, oldest first."""
    return list(
        Quotation.objects.visible_to(user)
        .filter(number=quotation.number)
        .only("pk", "number", "revision", "status", "total", "created_at", "owner_id")
        .order_by("revision")
    )


def quotation_timeline(*, versions) -> QuerySet[Event]:
    """The events of all versions of a quotation, newest first: one story from the first draft to the answer."""
    content_type = ContentType.objects.get_for_model(Quotation)
    return Event.objects.filter(content_type=content_type, object_id__in=[v.pk for v in versions]).select_related(
        "actor"
    )[:TIMELINE_LENGTH]


def customer_quotations(*, customer, user, limit: int = 5) -> tuple[list[Quotation], int]:
    """The newest live quotations of a customer the user may see, and how many there are in all."""
    quotations = Quotation.objects.visible_to(user).current().filter(customer=customer)
    rows = list(quotations.select_related("owner").order_by("-created_at", "-id")[:limit])
    count = len(rows) if len(rows) < limit else quotations.count()
    return rows, count


# --- comparing two versions ----------------------------------------------------------------------

# Header fields worth comparing between versions, in the order shown.
COMPARED_FIELDS = ["contact", "opportunity", "valid_until", "tax_rate", "subtotal", "tax_amount", "total", "terms"]


@dataclass
class LineChange:
    product: object
    kind: str  # "added", "removed", "changed", "same"
    old: QuotationLine | None = None
    new: QuotationLine | None = None
    fields: list[str] = field(default_factory=list)  # what changed on a "changed" line


@dataclass
class Comparison:
    old: Quotation
    new: Quotation
    fields: list[tuple[str, object, object]]  # (label, old value, new value) of the header fields that changed
    lines: list[LineChange]

    @property
    def changed_lines(self) -> list[LineChange]:
        return [line for line in self.lines if line.kind != "same"]

    @property
    def has_changes(self) -> bool:
        return bool(self.fields) or bool(self.changed_lines)


def _display(quotation: Quotation, name: str):
    model_field = Quotation._meta.get_field(name)
    value = getattr(quotation, name)
    if model_field.is_relation:
        return value
    if isinstance(value, str):
        # Terms typed back unchanged in a browser arrive with CRLF line ends: the same terms.
        value = comparable_text(value)
    return value if value not in ("", None) else None


def compare_quotations(old: Quotation, new: Quotation, old_lines, new_lines) -> Comparison:
    """What changed from `old` to `new`: header fields, and lines matched by product. Pure: no queries.

    A product quoted twice in one version is matched in order of position.
    """
    fields = []
    for name in COMPARED_FIELDS:
        before, after = _display(old, name), _display(new, name)
        if before != after:
            fields.append((Quotation._meta.get_field(name).verbose_name, before, after))
    remaining = {}
    for line in old_lines:
        remaining.setdefault(line.product_id, []).append(line)
    changes = []
    for line in new_lines:
        matches = remaining.get(line.product_id)
        if not matches:
            changes.append(LineChange(line.product, "added", new=line))
            continue
        before = matches.pop(0)
        changed = [
            name
            for name in ("quantity", "unit_price", "discount_percent", "amount")
            if getattr(before, name) != getattr(line, name)
        ]
        changes.append(LineChange(line.product, "changed" if changed else "same", old=before, new=line, fields=changed))
    for lines in remaining.values():
        changes.extend(LineChange(line.product, "removed", old=line) for line in lines)
    return Comparison(old=old, new=new, fields=fields, lines=changes)


STATUS_CHOICES_LISTED = [(value, label) for value, label in QuotationStatus.choices if value != "superseded"]

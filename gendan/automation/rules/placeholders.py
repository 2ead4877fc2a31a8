"""The placeholders a task title or notice may use: checked when a rule is saved, filled when it fires."""

import string

from django.utils.translation import gettext as _

from .records import owner_of

# Filled from the record, or from the event that fired the rule (empty when no event did).
# {amount}: what is still open on an invoice, else the record's total.
RECORD_PLACEHOLDERS = {"record", "number", "customer", "owner", "date", "amount"}
EVENT_PLACEHOLDERS = {
    "comment",
    "reason",
    "carrier",
    "tracking_number",
    "signed_by",
    "revision",
    # A credit override asked for: what the customer would owe, their limit, and by how much it is passed.
    "exposure",
    "credit_limit",
    "over_by",
}
PLACEHOLDERS = RECORD_PLACEHOLDERS | EVENT_PLACEHOLDERS


def check_template(text) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError as exc:
        return [_("This text has unbalanced braces: %(error)s.") % {"error": exc}]
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            return [
                _("Unknown placeholder {%(name)s}; use %(names)s.")
                % {"name": name, "names": ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))}
            ]
    return []


class _Placeholders(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _amount(record) -> str:
    amount = getattr(record, "open_amount", None)
    if amount is None:
        amount = getattr(record, "total", None)
    if amount is None:
        return ""
    currency = getattr(record, "currency", "")
    return f"{currency} {amount:,.2f}".strip()


def render(template: str, record, date_value=None, event=None) -> str:
    """A title or body with its placeholders filled; only plain names (checked when the rule is saved)."""
    owner = owner_of(record)
    customer = record if record._meta.label_lower == "crm.customer" else getattr(record, "customer", None)
    values = _Placeholders(
        record=str(record),
        number=str(getattr(record, "number", None) or getattr(record, "code", None) or record.pk),
        customer=str(customer) if customer is not None else "",
        owner=str(owner) if owner is not None else "",
        date=date_value.isoformat() if date_value is not None else "",
        amount=_amount(record),
    )
    data = (event.data or {}) if event is not None else {}
    values.update({name: str(data.get(name) or "") for name in EVENT_PLACEHOLDERS})
    return template.format_map(values)

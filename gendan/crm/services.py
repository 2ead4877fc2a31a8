import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gendan.accounts.roles import assigns_automatically
from gendan.accounts.scoping import ensure_in_scope, require_visible
from gendan.core import custom_fields as custom
from gendan.core import events
from gendan.core.hooks import assign_owner
from gendan.core.numbering import next_number
from gendan.core.services import check_version, full_clean, require_perm, row_errors

from .models import Address, Contact, Customer, InvoiceKind

CUSTOMER_FIELDS = [
    "name",
    "phone",
    "email",
    "tax_id",
    "invoice_kind",
    "invoice_title",
    "invoice_address_phone",
    "invoice_bank_account",
    "level",
    "industry",
    "region",
    "source",
    "owner",
    "credit_limit",
    "payment_terms_days",
    "notes",
]
CONTACT_FIELDS = ["name", "phone", "email", "title"]
ADDRESS_FIELDS = ["recipient", "phone", "province", "city", "district", "street", "postal_code"]


# The unified social credit code (统一社会信用代码, 18 characters), or a tax registration number from before it (15, 17
# or 20): digits and capital letters.
TAX_ID = re.compile(r"[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20}")


def _billing_problems(customer: Customer, *, new_tax_id: bool) -> dict:
    """What is wrong with the customer's billing details. The tax id's form is checked only when it is given anew:
    ids entered before there was a check stay as they are until someone changes them."""
    problems = []
    if new_tax_id and customer.tax_id:
        # As people copy it: with spaces, in small letters.
        customer.tax_id = "".join(customer.tax_id.split()).upper()
        if not TAX_ID.fullmatch(customer.tax_id):
            problems.append(
                _(
                    "A tax id is the 18-character unified social credit code, or an older number of 15, 17 or 20 "
                    "characters: digits and capital letters."
                )
            )
    if customer.invoice_kind == InvoiceKind.SPECIAL and not customer.tax_id:
        problems.append(_("A customer who gets special VAT invoices needs a tax id."))
    return {"tax_id": problems} if problems else {}


def _customer_problems(customer: Customer, exclude, *, new_tax_id: bool) -> dict:
    """Every field problem of the customer, field by field."""
    errors = _billing_problems(customer, new_tax_id=new_tax_id)
    try:
        full_clean(customer, exclude=exclude)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors[name] = [*messages, *errors.get(name, [])]
    return errors


def _row_problems(instance, row, custom_defs, *, creating: bool) -> dict:
    """A nested contact's or address's field problems; a contact's custom values (`row["custom_fields"]`) too."""
    problems = {}
    if custom_defs is not None:
        instance.custom_fields, problems = custom.clean_custom_values(
            custom_defs, row.get(custom.FIELD), current=None if creating else instance.custom_fields
        )
    try:
        full_clean(instance, exclude=["customer"])
    except ValidationError as exc:
        problems = {**exc.message_dict, **problems}
    return problems


def _children_errors(model, rows, fields, customer, custom_defs=None):
    """Validate nested contacts or addresses; field-keyed errors per row, as DRF shows them."""
    errors, instances = [], []
    for row in rows:
        instance = model(customer=customer, **{f: row[f] for f in fields if f in row})
        errors.append(_row_problems(instance, row, custom_defs, creating=True))
        instances.append(instance)
    return instances, (errors if any(errors) else None)


@transaction.atomic
def customer_create(
    *, actor, name: str, owner=None, contacts=(), addresses=(), code: str = "", custom_fields=None, **fields
) -> Customer:
    """A new customer, numbered by the customer pattern unless `code` brings the company's own (an import)."""
    require_perm(actor, "crm.add_customer")
    # A rep's new customer is theirs; one entered by anyone else goes by the assignment rule, if any.
    assigned = None
    if owner is None and assigns_automatically(actor):
        assigned = assign_owner("crm.customer", region=fields.get("region", ""), actor=actor)
    code = code.strip()
    customer = Customer(name=name, owner=owner or assigned or actor, code=code or "pending", **fields)
    # The owner is a user in hand (given, assigned or the actor): checking that its row exists would re-read it, once
    # per row of an import.
    exclude = ["owner"]
    errors = _customer_problems(customer, exclude if code else ["code", *exclude], new_tax_id=True)
    if code and "code" not in errors and Customer.objects.filter(code=code).exists():
        errors["code"] = [_("A customer with this code is already here.")]
    customer.custom_fields, custom_errors = custom.clean_custom_values(custom.fields_of("crm.customer"), custom_fields)
    errors.update(custom_errors)
    contact_rows, contact_errors = _children_errors(
        Contact, contacts, CONTACT_FIELDS, customer, custom.fields_of("crm.contact")
    )
    address_rows, address_errors = _children_errors(Address, addresses, ADDRESS_FIELDS, customer)
    if contact_errors:
        errors.update(row_errors("contacts", contact_errors).message_dict)
    if address_errors:
        errors.update(row_errors("addresses", address_errors).message_dict)
    if errors:
        raise ValidationError(errors)
    if not code:
        customer.code = next_number("customer")
    customer.save(force_insert=True)
    ensure_in_scope(Customer.objects, customer, actor)
    for row in contact_rows:
        row.customer = customer
    for row in address_rows:
        row.customer = customer
    Contact.objects.bulk_create(contact_rows)
    Address.objects.bulk_create(address_rows)
    events.record(
        actor,
        "customer.created",
        customer,
        data={"owner": customer.owner_id, "contacts": len(contact_rows), "addresses": len(address_rows)},
    )
    if assigned is not None:
        events.record(actor, "customer.assigned", customer, data={"owner": assigned.pk, "by": "assignment_rule"})
    return customer


def _sync_children(customer, model, related_name, rows, fields, custom_defs=None):
    """Update rows with an id, create rows without one, delete the ones left out."""
    existing = {obj.pk: obj for obj in getattr(customer, related_name).all()}
    seen, changes, errors, any_error = set(), [], [], False
    for row in rows:
        pk = row.get("id")
        if pk is not None and pk not in existing:
            errors.append({"id": [_("Not one of this customer's records.")]})
            any_error = True
            continue
        instance = existing[pk] if pk is not None else model(customer=customer)
        for f in fields:
            if f in row:
                setattr(instance, f, row[f])
        errors.append(_row_problems(instance, row, custom_defs, creating=pk is None))
        any_error = any_error or bool(errors[-1])
        if pk is not None:
            seen.add(pk)
        changes.append(instance)
    if any_error:
        raise row_errors(related_name, errors)
    for instance in changes:
        instance.save()
    removed = [obj for pk, obj in existing.items() if pk not in seen]
    for obj in removed:
        _delete_child(obj, related_name)
    return len(changes), len(removed)


def _delete_child(obj, related_name):
    from django.db.models import ProtectedError

    try:
        obj.delete()
    except ProtectedError as exc:
        raise ValidationError(
            {related_name: [_("%(item)s is used by an order and cannot be removed.") % {"item": obj}]}
        ) from exc


@transaction.atomic
def customer_update(
    *, customer: Customer, actor, version=None, contacts=None, addresses=None, custom_fields=None, **fields
) -> Customer:
    """Change the customer; `custom_fields` ({key: value}) changes the values of the keys it names, and only those."""
    require_perm(actor, "crm.change_customer")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    require_visible(Customer.objects, customer, actor)
    check_version(customer, version)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_update got unexpected fields {sorted(unknown)}")
    before = events.snapshot(customer, fields)
    for name, value in fields.items():
        setattr(customer, name, value)
    errors = _customer_problems(customer, None, new_tax_id=customer.tax_id != before.get("tax_id", customer.tax_id))
    custom_before = customer.custom_fields
    if custom_fields is not None:
        customer.custom_fields, custom_errors = custom.clean_custom_values(
            custom.fields_of("crm.customer"), custom_fields, current=custom_before
        )
        errors.update(custom_errors)
    if errors:
        raise ValidationError(errors)
    data = {}
    if contacts is not None:
        data["contacts"] = _sync_children(
            customer, Contact, "contacts", contacts, CONTACT_FIELDS, custom.fields_of("crm.contact")
        )
    if addresses is not None:
        data["addresses"] = _sync_children(customer, Address, "addresses", addresses, ADDRESS_FIELDS)
    changes = events.diff(before, events.snapshot(customer, fields))
    changes.update(custom.changes(custom_before, customer.custom_fields))
    customer.version += 1
    customer.save()
    ensure_in_scope(Customer.objects, customer, actor)
    events.record(actor, "customer.updated", customer, changes=changes, data=data)
    return customer


@transaction.atomic
def contact_add(*, customer: Customer, actor, custom_fields=None, **fields) -> Contact:
    require_perm(actor, "crm.change_customer")
    contact = Contact(customer=customer, **fields)
    errors = _row_problems(contact, {custom.FIELD: custom_fields}, custom.fields_of("crm.contact"), creating=True)
    if errors:
        raise ValidationError(errors)
    contact.save()
    data = {**fields, custom.FIELD: contact.custom_fields} if contact.custom_fields else fields
    events.record(actor, "contact.created", contact, data=data, root=customer)
    return contact


@transaction.atomic
def address_add(*, customer: Customer, actor, **fields) -> Address:
    require_perm(actor, "crm.change_customer")
    address = Address(customer=customer, **fields)
    full_clean(address, exclude=["customer"])
    address.save()
    events.record(actor, "address.created", address, data=fields, root=customer)
    return address

"""Contracts (合同) with customers. Each function is one transaction and records its event.

A contract is entered as a draft, activated when signed, and ends by expiring (the nightly
job, the day after its end date) or by being terminated with a reason. The renewal
reminders are shipped rules on its end date (automation.shipped_rules, contract_expiring_*).
"""

import datetime
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.hooks import Port
from gendan.core.money import CENT
from gendan.core.numbering import next_number
from gendan.core.services import apply_to_each, check_version, full_clean, require_perm

from .models import CONTRACT_EDITABLE, CONTRACT_STATES, Contract, ContractStatus, Customer

CONTRACT_FIELDS = ["title", "start_date", "end_date", "amount", "owner", "signed_on", "notes"]
MAX_FILE_BYTES = getattr(settings, "GENDAN_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# The Pillow format a scan of each image type must be.
IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
# How every other kind of file begins: Office Open XML, OFD and ZIP are ZIP archives, old Office files OLE2.
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FILE_SIGNATURES = {
    ".pdf": b"%PDF-",
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".zip": _ZIP,
    ".ofd": _ZIP,
    ".doc": _OLE2,
    ".xls": _OLE2,
    ".rar": b"Rar!\x1a\x07",
}
# What a contract's file may be: scans, documents, spreadsheets, archives.
FILE_EXTENSIONS = {*IMAGE_FORMATS, *FILE_SIGNATURES}
# The PDF specification has readers look for the end-of-file marker within the last 1024 bytes.
PDF_TRAILER_WINDOW = 1024

ACTION_LABELS = {
    "edit": gettext_lazy("edit"),
    "activate": gettext_lazy("activate"),
    "terminate": gettext_lazy("terminate"),
    "expire": gettext_lazy("expire"),
}


# --- checks ------------------------------------------------------------------------------------


def _owner_errors(owner, customer) -> list[str]:
    if owner is None or not owner.is_active:
        return [_("Choose an active user.")]
    if not Customer.objects.visible_to(owner).filter(pk=customer.pk).exists():
        return [_("%(user)s cannot see this customer.") % {"user": owner}]
    return []


def _file_errors(upload) -> list[str]:
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in FILE_EXTENSIONS:
        return [
            _("Upload a PDF, an image, a Word or Excel document or an archive (%(types)s).")
            % {"types": ", ".join(sorted(e.lstrip(".") for e in FILE_EXTENSIONS))}
        ]
    if upload.size > MAX_FILE_BYTES:
        return [_("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}]
    if not content_matches(upload, extension):
        return [
            _("The file's content is not a %(type)s file: it is damaged, or another kind of file renamed.")
            % {"type": extension.lstrip(".").upper()}
        ]
    return []


def content_matches(upload, extension: str) -> bool:
    """Whether the bytes are what the name says: a name is only a claim (an .exe renamed .pdf)."""
    try:
        if extension in IMAGE_FORMATS:
            upload.seek(0)
            with Image.open(upload, formats=[IMAGE_FORMATS[extension]]) as image:
                image.verify()  # reads every chunk: a truncated or corrupted image fails here
            return True
        signature = FILE_SIGNATURES[extension]
        upload.seek(0)
        if upload.read(len(signature)) != signature:
            return False
        if extension == ".pdf":
            # A reader starts from the trailer at the end; a PDF cut short has none.
            upload.seek(max(0, upload.size - PDF_TRAILER_WINDOW))
            return b"%%EOF" in upload.read()
        return True
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)


def _check(contract: Contract, *, upload=None) -> None:
    errors = {}
    try:
        full_clean(contract, exclude=["customer", "owner", "number", "file"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if message := _owner_errors(contract.owner if contract.owner_id else None, contract.customer):
        errors["owner"] = message
    errors.update(
        date_errors({"start_date": contract.start_date, "end_date": contract.end_date, "signed_on": contract.signed_on})
    )
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        errors["end_date"] = [_("A contract ends on or after the day it starts.")]
    if upload is not None and (message := _file_errors(upload)):
        errors["file"] = message
    if errors:
        raise ValidationError(errors)


def _attach(contract: Contract, upload) -> None:
    """Store the upload under MEDIA_ROOT; the file it replaces is removed once the transaction commits.

    Everything that could refuse the input is checked before this; a rollback after it (a
    database failure) leaves an unreferenced file behind, never a row without its file.
    """
    old = contract.file.name if contract.file else ""
    contract.file_name = os.path.basename(upload.name)[:200]
    contract.file.save(upload.name, upload, save=False)
    if old:
        storage = contract.file.storage
        transaction.on_commit(lambda: storage.delete(old), robust=True)


# --- creating and editing ----------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    customer: Customer,
    actor,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    amount=0,
    owner=None,
    signed_on: datetime.date | None = None,
    notes: str = "",
    file=None,
) -> Contract:
    require_perm(actor, "crm.add_contract")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    require_visible(Customer.objects, customer, actor)
    contract = Contract(
        customer=customer,
        number="pending",
        title=(title or "").strip(),
        start_date=start_date,
        end_date=end_date,
        amount=amount,
        # By default the customer's owner keeps the contract (and gets its renewal reminders).
        owner=owner or customer.owner,
        signed_on=signed_on,
        notes=notes or "",
        status=ContractStatus.DRAFT,
    )
    _check(contract, upload=file)
    contract.amount = contract.amount.quantize(CENT)
    contract.number = next_number("contract")
    if file is not None:
        _attach(contract, file)
    contract.save()
    events.record(
        actor,
        "contract.created",
        contract,
        data={
            "number": contract.number,
            "owner": contract.owner_id,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "amount": contract.amount,
            "file": contract.file_name,
        },
        root=customer,
    )
    return contract


def lock_contract(contract: Contract, actor) -> Contract:
    locked = Contract.objects.select_for_update(of=("self",)).select_related("customer", "owner").get(pk=contract.pk)
    if actor is not None and not Contract.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise ApplicationError(
            _("You cannot change a record outside the records you can see."), ErrorCode.PERMISSION_DENIED
        )
    return locked


def _require_status(contract: Contract, statuses, action: str) -> None:
    if contract.status not in statuses:
        raise ApplicationError(
            _("Cannot %(action)s a contract that is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": contract.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"action": action, "status": contract.status},
        )


@transaction.atomic
def contract_update(*, contract: Contract, actor, version=None, file=None, **fields) -> Contract:
    """Edit a draft or a contract in force; a new end date moves its renewal reminders with it."""
    require_perm(actor, "crm.change_contract")
    contract = lock_contract(contract, actor)
    check_version(contract, version)
    _require_status(contract, CONTRACT_EDITABLE, "edit")
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"contract_update got unexpected fields {sorted(unknown)}")
    before = events.snapshot(contract, [*fields, "file_name"])
    for name, value in fields.items():
        setattr(contract, name, value.strip() if isinstance(value, str) and name == "title" else value)
    _check(contract, upload=file)
    contract.amount = contract.amount.quantize(CENT)
    if file is not None:
        _attach(contract, file)
    changes = events.diff(before, events.snapshot(contract, [*fields, "file_name"]))
    contract.version += 1
    contract.save()
    events.record(actor, "contract.updated", contract, changes=changes, root=contract.customer)
    return contract


# --- its life ----------------------------------------------------------------------------------


def _contract_move(contract: Contract, status: str, *, actor, verb: str, data=None, extra_fields=()) -> None:
    CONTRACT_STATES.move(
        contract, status, actor=actor, verb=verb, data=data, extra_fields=extra_fields, root=contract.customer
    )


# Whether putting a contract in force waits for an approval: sales answers (its approval rules for contracts,
# opening the request when one applies; a rule that refuses raises). Until then, never.
contract_needs_approval = Port("crm.contract_needs_approval", default=lambda *, contract, actor: False)


@transaction.atomic
def contract_activate(*, contract: Contract, actor, signed_on: datetime.date | None = None) -> Contract:
    """The contract was signed and is in force — or, where an approval rule for contracts applies, signed and
    waiting for that approval (pending approval)."""
    require_perm(actor, "crm.change_contract")
    contract = lock_contract(contract, actor)
    _require_status(contract, {ContractStatus.DRAFT}, "activate")
    return _activate(contract, actor, signed_on, ask_approval=True)


@transaction.atomic
def contract_approved(*, contract: Contract, actor) -> Contract:
    """Put in force a contract whose approval the last level just gave (called by sales' approval engine, whose
    step, not a permission here, is the approver's authority)."""
    contract = lock_contract(contract, actor)
    _require_status(contract, {ContractStatus.PENDING_APPROVAL}, "activate")
    return _activate(contract, actor, None, ask_approval=False)


@transaction.atomic
def contract_approval_refused(*, contract: Contract, actor, comment: str) -> Contract:
    """Back to a draft: an approver refused it (called by sales' approval engine), with the reason."""
    contract = lock_contract(contract, actor)
    _require_status(contract, {ContractStatus.PENDING_APPROVAL}, "activate")
    _contract_move(
        contract, ContractStatus.DRAFT, actor=actor, verb="contract.approval_rejected", data={"comment": comment}
    )
    return contract


def _activate(contract: Contract, actor, signed_on, *, ask_approval: bool) -> Contract:
    today = timezone.localdate()
    if contract.end_date < today:
        raise ApplicationError(
            _("This contract ended on %(date)s; change its end date to put it in force.")
            % {"date": contract.end_date.isoformat()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"end_date": contract.end_date},
        )
    extra = []
    if signed_on is not None or contract.signed_on is None:
        contract.signed_on = signed_on or today
        extra.append("signed_on")
    if ask_approval and contract_needs_approval(contract=contract, actor=actor):
        _contract_move(
            contract,
            ContractStatus.PENDING_APPROVAL,
            actor=actor,
            verb="contract.submitted",
            data={"signed_on": contract.signed_on},
            extra_fields=extra,
        )
        return contract
    _contract_move(
        contract,
        ContractStatus.ACTIVE,
        actor=actor,
        verb="contract.activated",
        data={"signed_on": contract.signed_on},
        extra_fields=extra,
    )
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, actor, reason: str) -> Contract:
    """End a contract early, or abandon a draft; the reason is kept."""
    require_perm(actor, "crm.change_contract")
    contract = lock_contract(contract, actor)
    _require_status(contract, {ContractStatus.DRAFT, ContractStatus.ACTIVE}, "terminate")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    contract.termination_reason = reason[:200]
    _contract_move(
        contract,
        ContractStatus.TERMINATED,
        actor=actor,
        verb="contract.terminated",
        data={"reason": contract.termination_reason},
        extra_fields=["termination_reason"],
    )
    return contract


@transaction.atomic
def contract_expire(*, contract: Contract, today: datetime.date | None = None) -> Contract:
    """The system marks a contract in force whose end date has passed as expired."""
    contract = lock_contract(contract, None)
    _require_status(contract, {ContractStatus.ACTIVE}, "expire")
    today = today or timezone.localdate()
    if contract.end_date >= today:
        raise ApplicationError(
            _("This contract is in force until %(date)s.") % {"date": contract.end_date.isoformat()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"end_date": contract.end_date},
        )
    _contract_move(contract, ContractStatus.EXPIRED, actor=None, verb="contract.expired")
    return contract


def contracts_expire_due(today: datetime.date | None = None) -> int:
    """Expire every contract in force whose end date is over, each in its own transaction; returns how many."""
    today = today or timezone.localdate()
    ids = list(
        Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return apply_to_each(ids, lambda pk: contract_expire(contract=Contract(pk=pk), today=today))

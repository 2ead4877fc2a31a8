"""Contracts: numbers, their file, the states they go through, refusals that change nothing."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Contract
from gendan.crm.services_contracts import (
    contract_activate,
    contract_create,
    contract_expire,
    contract_terminate,
    contract_update,
    contracts_expire_due,
)
from tests.factories import customer_ready_to_order, small_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        yield


def pdf(name="合同.pdf", content=None):
    return SimpleUploadedFile(name, content or small_pdf(), content_type="application/pdf")


def state():
    return (
        list(Contract.objects.values_list("pk", "status", "version", "end_date", "file")),
        Event.objects.count(),
    )


@pytest.fixture
def customer(personas):
    return customer_ready_to_order(personas["rep1"], name="上海宏达机电设备有限公司")


def new_contract(customer, actor, **fields):
    return contract_create(
        customer=customer,
        actor=actor,
        **{"title": "年度供货框架协议", "start_date": D(2025, 3, 1), "end_date": D(2026, 2, 28), **fields},
    )


def test_a_contract_is_numbered_owned_and_keeps_its_file(personas, customer, media):
    # when: the manager enters it for Alice's customer
    contract = new_contract(customer, personas["manager1"], amount=Decimal("120000"), file=pdf())

    # then
    assert (contract.number, contract.status, contract.owner, contract.amount) == (
        "HT2025030001",
        "draft",
        personas["rep1"],  # the customer's owner keeps it
        Decimal("120000.00"),
    )
    assert contract.file_name == "合同.pdf"
    assert contract.file.name.startswith("contracts/2025/03/") and contract.file.name.endswith(".pdf")
    assert (media / contract.file.name).read_bytes() == small_pdf()
    event = Event.objects.get()
    assert (event.verb, event.root_id, event.data["number"], event.data["file"]) == (
        "contract.created",
        customer.pk,
        "HT2025030001",
        "合同.pdf",
    )
    assert new_contract(customer, personas["rep1"]).number == "HT2025030002"


def test_bad_input_is_refused_on_its_fields_and_nothing_is_stored(personas, customer, media):
    before = state()

    with pytest.raises(ValidationError) as exc:
        new_contract(
            customer,
            personas["manager1"],
            title=" ",
            end_date=D(2025, 2, 1),
            amount=Decimal("-1"),
            owner=personas["rep3"],
            file=pdf("virus.exe"),
        )

    assert exc.value.message_dict == {
        "title": ["This field cannot be blank."],
        "amount": ["Ensure this value is greater than or equal to 0."],
        "owner": ["rep3 cannot see this customer."],
        "end_date": ["A contract ends on or after the day it starts."],
        "file": [
            "Upload a PDF, an image, a Word or Excel document or an archive "
            "(doc, docx, jpeg, jpg, ofd, pdf, png, rar, xls, xlsx, zip)."
        ],
    }
    assert state() == before
    assert not any(media.iterdir())


def test_a_large_file_is_refused(personas, customer, settings):
    with pytest.raises(ValidationError) as exc:
        new_contract(customer, personas["rep1"], file=pdf(content=b"x" * (20 * 1024 * 1024 + 1)))

    assert exc.value.message_dict == {"file": ["The file is larger than 20 MB."]}


def test_a_rep_cannot_enter_a_contract_for_a_teammates_customer(personas, customer):
    with pytest.raises(ApplicationError) as exc:
        new_contract(customer, personas["rep2"])

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not Contract.objects.exists()


def test_finance_reads_contracts_but_may_not_enter_them(personas, customer):
    with pytest.raises(ApplicationError) as exc:
        new_contract(customer, personas["finance1"])

    assert exc.value.extra == {"permission": "crm.add_contract"}


def test_activating_puts_it_in_force_signed_today_unless_told(personas, customer):
    contract = new_contract(customer, personas["rep1"])

    contract = contract_activate(contract=contract, actor=personas["rep1"])

    assert (contract.status, contract.signed_on, contract.version) == ("active", D(2025, 3, 3), 2)
    event = Event.objects.get(verb="contract.activated")
    assert (event.changes, event.data) == ({"status": ["draft", "active"]}, {"signed_on": "2025-03-03"})


def test_a_contract_already_ended_cannot_be_activated(personas, customer):
    contract = new_contract(customer, personas["rep1"], start_date=D(2024, 1, 1), end_date=D(2025, 2, 28))
    before = state()

    with pytest.raises(ApplicationError) as exc:
        contract_activate(contract=contract, actor=personas["rep1"])

    assert exc.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert str(exc.value) == "This contract ended on 2025-02-28; change its end date to put it in force."
    assert state() == before


def test_editing_a_contract_in_force_records_the_changes_and_replaces_its_file(personas, customer, media):
    contract = new_contract(customer, personas["rep1"], file=pdf("v1.pdf"))
    contract = contract_activate(contract=contract, actor=personas["rep1"])
    old_file = contract.file.name

    with time_machine.travel(at(2025, 3, 4, 9), tick=False):
        contract = contract_update(
            contract=contract,
            actor=personas["rep1"],
            version=2,
            end_date=D(2026, 3, 31),
            amount=Decimal("150000"),
            title="年度供货框架协议",
            file=pdf("v2.pdf", small_pdf("v2")),
        )

    assert (contract.end_date, contract.amount, contract.version, contract.file_name) == (
        D(2026, 3, 31),
        Decimal("150000.00"),
        3,
        "v2.pdf",
    )
    event = Event.objects.get(verb="contract.updated")
    assert event.changes == {
        "end_date": ["2026-02-28", "2026-03-31"],
        "amount": ["0.00", "150000.00"],
        "file_name": ["v1.pdf", "v2.pdf"],
    }
    assert (media / contract.file.name).read_bytes() == small_pdf("v2")
    # The replaced file goes once the change is committed (not in this test's open transaction).
    assert (media / old_file).exists()


def test_the_replaced_file_is_removed_after_commit(personas, customer, media, django_capture_on_commit_callbacks):
    contract = new_contract(customer, personas["rep1"], file=pdf("v1.pdf"))
    old_file = contract.file.name

    with django_capture_on_commit_callbacks(execute=True):
        contract_update(contract=contract, actor=personas["rep1"], version=1, file=pdf("v2.pdf"))

    assert not (media / old_file).exists()
    assert (media / Contract.objects.get().file.name).exists()


def test_a_stale_edit_and_an_edit_of_an_ended_contract_are_refused(personas, customer):
    contract = new_contract(customer, personas["rep1"])
    contract_update(contract=contract, actor=personas["rep1"], version=1, notes="第一次修改")

    with pytest.raises(ApplicationError) as stale:
        contract_update(contract=contract, actor=personas["rep1"], version=1, notes="过期的修改")
    contract_terminate(contract=contract, actor=personas["rep1"], reason="客户改用年度订单")
    with pytest.raises(ApplicationError) as ended:
        contract_update(contract=contract, actor=personas["rep1"], notes="终止后修改")

    assert (stale.value.code, ended.value.code) == (ErrorCode.STALE_VERSION, ErrorCode.TRANSITION_NOT_ALLOWED)
    assert Contract.objects.get().notes == "第一次修改"


def test_terminating_needs_a_reason(personas, customer):
    contract = contract_activate(contract=new_contract(customer, personas["rep1"]), actor=personas["rep1"])

    with pytest.raises(ValidationError) as exc:
        contract_terminate(contract=contract, actor=personas["rep1"], reason="")
    contract = contract_terminate(contract=contract, actor=personas["rep1"], reason="客户经营调整，双方协商解除")

    assert exc.value.message_dict == {"reason": ["Give a reason."]}
    assert (contract.status, contract.termination_reason) == ("terminated", "客户经营调整，双方协商解除")
    assert Event.objects.get(verb="contract.terminated").data == {"reason": "客户经营调整，双方协商解除"}


def test_the_nightly_job_expires_contracts_in_force_once_their_end_date_is_over(personas, customer):
    # given: three contracts in force ending on different days, a draft ended too
    ending = {}
    for end in (D(2025, 3, 10), D(2025, 3, 11), D(2025, 6, 30)):
        contract = new_contract(customer, personas["rep1"], end_date=end)
        ending[end] = contract_activate(contract=contract, actor=personas["rep1"])
    draft = new_contract(customer, personas["rep1"], end_date=D(2025, 3, 10))

    # when / then: the last day is still in force; the day after, it expires
    assert contracts_expire_due(today=D(2025, 3, 10)) == 0
    assert contracts_expire_due(today=D(2025, 3, 11)) == 1
    assert contracts_expire_due(today=D(2025, 3, 11)) == 0
    assert contracts_expire_due(today=D(2025, 3, 12)) == 1

    statuses = dict(Contract.objects.values_list("end_date", "status").exclude(pk=draft.pk))
    assert statuses == {D(2025, 3, 10): "expired", D(2025, 3, 11): "expired", D(2025, 6, 30): "active"}
    assert Contract.objects.get(pk=draft.pk).status == "draft"
    expired = Event.objects.filter(verb="contract.expired").order_by("pk")
    assert [(e.actor, e.object_id) for e in expired] == [
        (None, ending[D(2025, 3, 10)].pk),
        (None, ending[D(2025, 3, 11)].pk),
    ]


def test_a_contract_still_in_force_is_not_expired(personas, customer):
    contract = contract_activate(contract=new_contract(customer, personas["rep1"]), actor=personas["rep1"])

    with pytest.raises(ApplicationError) as exc:
        contract_expire(contract=contract, today=D(2026, 2, 28))

    assert exc.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert Contract.objects.get().status == "active"

"""A contract's scan is checked by what it holds, not by its name: a renamed or broken file is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gendan.core.models import Event
from gendan.crm.models import Contract
from gendan.crm.services_contracts import contract_create
from tests.api_client import api_as
from tests.factories import customer_ready_to_order, small_pdf, small_png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Windows executables start with "MZ".
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
NOT_THE_CONTENT_NAMED = [
    pytest.param("合同.pdf", EXE, id="exe renamed .pdf"),
    pytest.param("合同.pdf", "甲方：上海宏达\n乙方：宁波德润".encode(), id="text renamed .pdf"),
    pytest.param("合同.pdf", small_pdf()[:-60], id="pdf cut short"),
    pytest.param("扫描件.png", b"\x89PNG\r\n\x1a\n" + b"not really an image", id="fake png"),
    pytest.param("扫描件.png", small_png()[:-20], id="png cut short"),
    pytest.param("扫描件.jpg", small_png(), id="png named .jpg"),
    pytest.param("合同.docx", EXE, id="exe renamed .docx"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name, content):
    return SimpleUploadedFile(name, content)


def new_contract(customer, actor, file):
    return contract_create(
        customer=customer,
        actor=actor,
        title="年度供货框架协议",
        start_date=datetime.date(2025, 3, 1),
        end_date=datetime.date(2026, 2, 28),
        file=file,
    )


@pytest.mark.parametrize(("name", "content"), NOT_THE_CONTENT_NAMED)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_nothing_stored(personas, media, name, content):
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ValidationError) as exc:
        new_contract(customer, personas["rep1"], upload(name, content))

    extension = name.rsplit(".", 1)[1].upper()
    assert exc.value.message_dict == {
        "file": [f"The file's content is not a {extension} file: it is damaged, or another kind of file renamed."]
    }
    assert not Contract.objects.exists()
    assert not Event.objects.filter(verb="contract.created").exists()
    assert not any(media.iterdir())


@pytest.mark.parametrize(("name", "content"), [("合同.pdf", small_pdf()), ("扫描件.PNG", small_png())])
def test_a_real_pdf_or_image_is_kept(personas, media, name, content):
    customer = customer_ready_to_order(personas["rep1"])

    contract = new_contract(customer, personas["rep1"], upload(name, content))

    assert contract.file_name == name
    assert (media / contract.file.name).read_bytes() == content


def test_the_form_shows_the_refusal_on_the_file_field(client, personas, media):
    customer = customer_ready_to_order(personas["rep1"])
    client.force_login(personas["rep1"])

    response = client.post(
        reverse("crm:contract_create", args=[customer.pk]),
        {
            "title": "设备维保合同",
            "start_date": "2025-03-01",
            "end_date": "2026-02-28",
            "amount": "86000",
            "file": upload("维保合同.pdf", EXE),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file's content is not a PDF file: it is damaged, or another kind of file renamed."
    ]
    assert not Contract.objects.exists()
    assert not any(media.iterdir())


def test_the_api_answers_400_on_the_file_field(personas, media):
    customer = customer_ready_to_order(personas["rep1"])

    response = api_as(personas["rep1"]).post(
        "/api/v1/contracts/",
        {
            "customer": customer.pk,
            "title": "维保合同",
            "start_date": "2025-03-01",
            "end_date": "2026-02-28",
            "file": upload("扫描件.png", b"\x89PNG\r\n\x1a\nfake"),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not Contract.objects.exists()
    assert not any(media.iterdir())

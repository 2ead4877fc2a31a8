import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook


def csv_file(text: str, encoding="utf-8", name="data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name="data.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files in a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"

"""The Simplified Chinese catalogue is complete: no string shown to users falls back to English."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings


def _catalogue():
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_a_chinese_translation():
    catalogue = _catalogue()
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_placeholders_survive_translation():
    """A translation that drops or renames {name} / %(name)s breaks formatting at run time."""
    placeholder = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]")
    wrong = [
        entry.msgid
        for entry in _catalogue().translated_entries()
        if not entry.msgid_plural
        and sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr))
    ]
    assert wrong == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is missing: `make test` installs it")
def test_every_string_marked_in_the_code_is_in_the_catalogue(tmp_path):
    """Extracts the messages as `makemessages` would, from a copy, and finds those the catalogue lacks."""
    project = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(project / "gendan", copy / "gendan", ignore=shutil.ignore_patterns("*.mo", "__pycache__", "tests"))
    shutil.copy(project / "manage.py", copy / "manage.py")
    environment = {**os.environ, "GENDAN_VAR_DIR": str(tmp_path / "var")}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(str(copy / "gendan" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {(entry.msgctxt, entry.msgid) for entry in _catalogue()}

    assert (
        sorted((entry.msgctxt or "", entry.msgid) for entry in extracted if (entry.msgctxt, entry.msgid) not in known)
        == []
    )

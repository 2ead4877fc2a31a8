"""The Simplified Chinese catalogue is complete: no string shown to users falls back to English."""

import re
from pathlib import Path

import polib
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

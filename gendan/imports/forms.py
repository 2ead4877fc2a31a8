"""The upload form and the column mapping form: shapes only, the service judges the file and the columns."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.forms import bootstrap

from .columns import COLUMNS, field_choices
from .models import ImportKind
from .rows import may_import


def kinds_for(user) -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ImportKind if kind in COLUMNS and may_import(user, kind)]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(
        label=pgettext_lazy("spreadsheet", "File"),
        help_text=_("XLSX, or CSV saved by Excel (UTF-8 or the Chinese GB18030 encoding)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(user)
        bootstrap(self)


class MappingForm(forms.Form):
    """One select per column of the file: the field it holds, or nothing (the column is left out)."""

    def __init__(self, *args, imp, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— leave this column out —")), *field_choices(imp.kind)]
        self.headers = list(imp.headers)
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=imp.mapping.get(header, "")
            )
        bootstrap(self)

    def mapping(self) -> dict:
        return {header: self.cleaned_data[f"column_{index}"] for index, header in enumerate(self.headers)}

    def rows(self):
        """(bound field, whether the column was recognised by itself) for the template."""
        return [self[f"column_{index}"] for index in range(len(self.headers))]

"""What an import's own events are called (see core.verbs); the records it brings in record their usual events."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "imports.import",
        {
            "import.uploaded": (_("Import uploaded"), _("uploaded a file to import")),
            "import.checked": (_("Import checked"), _("checked the file to import")),
            "import.commit_requested": (_("Import started"), _("started the import")),
            "import.done": (_("Import done"), _("imported the file")),
            "import.failed": (_("Import failed"), _("tried to import the file")),
        },
    )

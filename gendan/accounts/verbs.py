"""What the accounts events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "accounts.savedview",
        {
            "saved_view.created": (_("List view saved"), _("saved a view of a list")),
            "saved_view.updated": (_("Saved list view changed"), _("changed a saved view of a list")),
            "saved_view.deleted": (_("Saved list view deleted"), _("deleted a saved view of a list")),
        },
    )

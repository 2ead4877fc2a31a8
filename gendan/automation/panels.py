"""What automation adds to the pages of the apps below: each record's comments and files (loaded by HTMX)."""

from gendan.core import panels

from .comments import RECORD_TYPES


def _comments_panel(name: str):
    def context(request, obj, **forms) -> dict:
        # Names only, no query: the panel asks for its comments after the page has shown.
        return {"comments_type": name, "comments_id": obj.pk}

    return context


def register_panels() -> None:
    for kind in RECORD_TYPES.values():
        if kind.page is not None:
            panels.register(kind.page, template="automation/comments/panel.html", context=_comments_panel(kind.name))

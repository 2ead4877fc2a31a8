"""The buttons of a record's lifecycle actions, as the order page and the change page show them.

Which actions a user may take is the selectors' answer (order_allowed_actions, change_allowed_actions);
this only dresses them: label, style, the text an action asks for, and where it posts.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ActionUI:
    label: Promise
    style: str
    # The field it asks for ("comment", "reason"), whether it must be given, and the question put.
    asks: str | None = None
    required: bool = False
    prompt: Promise | None = None


def action_buttons(names, ui: dict[str, ActionUI], url: Callable[[str], str]) -> list[dict]:
    """A button per action name, in the given order, each posting to `url(name)`."""
    return [
        {
            "name": name,
            "label": ui[name].label,
            "style": ui[name].style,
            "asks": ui[name].asks,
            "required": ui[name].required,
            "prompt": ui[name].prompt,
            "url": url(name),
        }
        for name in names
    ]

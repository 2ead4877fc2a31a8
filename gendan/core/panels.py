"""Panels: what an app above adds to a lower app's page, so the lower app's view needs no import of it.

The order page (sales) shows the order's shipments (fulfillment) and invoices (finance); the
customer page (crm) shows the customer's quotations and orders (sales). The higher app
registers a panel for the page in its AppConfig.ready(): a template and a function that gives
its context. The page's view asks `panels.for_page(page, request, obj)` and its template shows
each with `{% load panels %}{% for panel in panels %}{% panel panel %}{% endfor %}`.
Panels come in the order their apps are installed (INSTALLED_APPS).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Registered:
    template: str
    context: Callable[..., dict]


@dataclass(frozen=True)
class Panel:
    """One panel ready to show: its template, rendered with the page's context and `context` on top."""

    template: str
    context: dict


_registry: defaultdict[str, list[_Registered]] = defaultdict(list)


def register(page: str, *, template: str, context: Callable[..., dict]) -> None:
    """Show `template` on `page` ("sales.order", "crm.customer"), with `context(request, obj, **forms)`.

    `forms` are the bound forms a view re-renders the page with after bad input (e.g.
    `invoice_form`); each panel takes the ones it knows and ignores the others.
    """
    if all(panel.template != template for panel in _registry[page]):
        _registry[page].append(_Registered(template, context))


def for_page(page: str, request, obj, **forms) -> list[Panel]:
    return [Panel(panel.template, panel.context(request, obj, **forms)) for panel in _registry.get(page, ())]

"""The pages of changes to a confirmed order (变更单): draft with its impact, decide, compare revisions."""

import functools
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import run_service

from . import services_changes
from .action_buttons import ActionUI, action_buttons
from .approval_rules import reason_text
from .changes import LINE_COMPARED, compare_revisions, revisions_of, with_details
from .forms_changes import ChangeForm, ChangeLines
from .models import ChangeRequest, ChangeStatus
from .selectors import approval_steps_of, order_list
from .selectors_changes import CHANGE_PERMISSION, change_allowed_actions, change_request_queryset, may_request_change

# What the dates and amounts of a change and a revision are called on the page.
FIELD_LABELS = {
    "promised_date": gettext_lazy("Promised date"),
    "requested_date": gettext_lazy("Requested date"),
    "subtotal": gettext_lazy("Subtotal"),
    "tax_amount": gettext_lazy("Tax"),
    "total": gettext_lazy("Total"),
}
MONEY_FIELDS = {"subtotal", "tax_amount", "total", "unit_price", "amount"}
CENT = Decimal("0.01")
LINE_LABELS = {
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "discount_percent": gettext_lazy("Discount (%)"),
    "amount": gettext_lazy("Amount"),
}


# --- drafting ------------------------------------------------------------------------------------


def _change_form_page(request, order, change=None):
    """The change form, shared by create and edit: reason, dates and the lines, saved by the services."""
    lines = [line for line in order.lines.select_related("product").order_by("position", "id") if not line.is_removed]
    data = request.POST if request.method == "POST" else None
    adding = data is not None and "add_line" in data
    form = ChangeForm(data, order=order, change=change)
    editor = ChangeLines(data, order_lines=lines, change=change, add_row=adding)
    submitted = data is not None and not adding
    # Both validated, so that each shows its own errors.
    if submitted and all([form.is_valid(), editor.is_valid()]):
        rows = editor.service_rows()
        saved = run_service(form, lambda: _save_change(request, form, rows, order, change), editor.row_forms)
        if saved is not None:
            if change is None:
                messages.success(
                    request, _("Change %(label)s drafted: check its impact, then submit it.") % {"label": saved.label}
                )
            else:
                messages.success(request, _("Change %(label)s saved.") % {"label": saved.label})
            return redirect("sales:change_detail", pk=saved.pk)
    return render(
        request,
        "sales/change_form.html",
        {"order": order, "change": change, "form": form, "editor": editor},
        status=400 if submitted else 200,
    )


def _save_change(request, form, rows, order, change):
    fields = {"lines": rows, "reason": form.cleaned_data["reason"], **form.dates()}
    if change is None:
        call = functools.partial(services_changes.change_request_create, order=order)
    else:
        call = functools.partial(
            services_changes.change_request_update, change=change, version=form.cleaned_data["version"]
        )
    return call(actor=request.user, **fields)


@login_required
def change_create_view(request, pk):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    if not may_request_change(order=order, user=request.user):
        messages.error(
            request,
            _("Only a confirmed order that has not shipped in full can be changed; this one is %(status)s.")
            % {"status": order.get_status_display()},
        )
        return redirect("sales:order_detail", pk=order.pk)
    return _change_form_page(request, order)


@login_required
def change_edit_view(request, pk):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    change = get_object_or_404(change_request_queryset(user=request.user), pk=pk)
    if change.status != ChangeStatus.DRAFT:
        messages.error(
            request,
            _("Only a draft change can be edited; this one is %(status)s.") % {"status": change.get_status_display()},
        )
        return redirect("sales:change_detail", pk=change.pk)
    return _change_form_page(request, change.order, change)


# --- the change page -----------------------------------------------------------------------------

# How each action looks on the change page.
ACTION_UI = {
    "submit": ActionUI(gettext_lazy("Submit"), "btn-primary"),
    "approve": ActionUI(gettext_lazy("Approve"), "btn-success", "comment", prompt=gettext_lazy("Comment (optional)")),
    "reject": ActionUI(
        gettext_lazy("Reject"), "btn-outline-danger", "comment", True, gettext_lazy("Why is the change rejected?")
    ),
    "rebase": ActionUI(gettext_lazy("Redraft on the new revision"), "btn-primary"),
    "cancel": ActionUI(
        gettext_lazy("Cancel the change"),
        "btn-outline-danger",
        "reason",
        prompt=gettext_lazy("Why is it cancelled? (optional)"),
    ),
}


def _number(value):
    return Decimal(value) if value is not None else None


def _money(value):
    # A price typed as "100" is kept as "100" in a change's impact and its revision: shown as 100.00.
    return Decimal(value).quantize(CENT) if value is not None else None


# The cells of a line of the impact: the field, and the prefix of its "…_before" and "…_after" keys.
IMPACT_CELLS = [
    ("quantity", "quantity"),
    ("unit_price", "unit_price"),
    ("discount_percent", "discount"),
    ("amount", "amount"),
]


def impact_lines(impact: dict) -> list[dict]:
    """Each line of the impact with its cells before and after, a cell marked when the change moves it."""
    rows = []
    for line in impact.get("lines", []):
        cells = []
        for name, key in IMPACT_CELLS:
            value = _money if name in MONEY_FIELDS else _number
            before, after = value(line[f"{key}_before"]), value(line[f"{key}_after"])
            changed = line["kind"] == "changed" and before != after
            cells.append(
                {
                    "label": LINE_LABELS[name],
                    "before": before,
                    "after": after,
                    "changed": changed,
                    "money": name in MONEY_FIELDS,
                }
            )
        rows.append({**line, "cells": cells})
    return rows


def impact_context(impact: dict) -> dict:
    """The impact as the change page shows it: amounts as numbers, dates and fields by name."""
    return {
        "lines": impact_lines(impact),
        "stock": [
            {**row, **{name: Decimal(row[name]) for name in ("reserve", "release", "available")}}
            for row in impact.get("stock", [])
        ],
        "dates": [{**row, "label": FIELD_LABELS[row["field"]]} for row in impact.get("dates", [])],
        "problems": with_details(impact)["problems"],
        "total_before": _money(impact.get("total_before")),
        "total_after": _money(impact.get("total_after")),
        "difference": _money(impact.get("difference")),
    }


def _approval_of(change, user):
    """The change's latest approval request, with its levels and steps and why it was asked, or None."""
    approval = next(iter(change.approvals.all()), None)
    if approval is not None:
        approval.reason_texts = [reason_text(reason) for reason in approval.reasons]
        approval.level_rows = approval_steps_of(approval)
        approval.own = approval.is_submitted_by(user)
        approval.mine = change.approval_decidable
    return approval


@login_required
@permission_required("sales.view_order", raise_exception=True)
@require_GET
def change_detail_view(request, pk):
    user = request.user
    change = get_object_or_404(change_request_queryset(user=user).select_related("order__customer"), pk=pk)
    return render(
        request,
        "sales/change_detail.html",
        {
            "change": change,
            "order": change.order,
            "actions": action_buttons(
                change_allowed_actions(change=change, user=user),
                ACTION_UI,
                lambda name: reverse("sales:change_action", args=[change.pk, name]),
            ),
            "can_edit": change.status == ChangeStatus.DRAFT and user.has_perm(CHANGE_PERMISSION),
            "impact": impact_context(change.impact),
            "approval": _approval_of(change, user),
        },
    )


def _run_action(action, change, actor, data):
    if action == "submit":
        return services_changes.change_request_submit(change=change, actor=actor)
    if action == "approve":
        return services_changes.change_request_approve(change=change, actor=actor, comment=data.get("comment", ""))
    if action == "reject":
        return services_changes.change_request_reject(change=change, actor=actor, comment=data.get("comment", ""))
    if action == "rebase":
        return services_changes.change_request_rebase(change=change, actor=actor)
    return services_changes.change_request_cancel(change=change, actor=actor, reason=data.get("reason", ""))


def _done_message(action, change) -> str:
    if change.status == ChangeStatus.APPLIED:
        return _("Change %(label)s applied: the order is now at revision %(revision)s.") % {
            "label": change.label,
            "revision": change.revision,
        }
    if action == "submit":
        return _("Change %(label)s submitted; it waits for approval.") % {"label": change.label}
    if action == "approve":
        return _("Your approval is recorded; the next level decides now.")
    if action == "reject":
        return _("Change %(label)s rejected; the order stays as it was.") % {"label": change.label}
    if action == "rebase":
        return _("Change %(label)s is a draft again on revision %(revision)s: check its impact and submit it.") % {
            "label": change.label,
            "revision": change.base_revision,
        }
    return _("Change %(label)s cancelled.") % {"label": change.label}


@login_required
@require_POST
def change_action_view(request, pk, action):
    if action not in ACTION_UI:
        raise Http404
    change = get_object_or_404(ChangeRequest.objects.visible_to(request.user).select_related("order"), pk=pk)
    try:
        change = _run_action(action, change, request.user, request.POST)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _done_message(action, change))
    return redirect("sales:change_detail", pk=pk)


# --- revisions -----------------------------------------------------------------------------------


def _money_cell(name: str, cell: dict) -> dict:
    """A revision's amounts are kept as text: as numbers, they are shown as every other amount is."""
    if name not in MONEY_FIELDS:
        return {"money": False}
    return {"money": True, "before": _money(cell["before"]), "after": _money(cell["after"])}


@login_required
@permission_required("sales.view_order", raise_exception=True)
@require_GET
def order_revisions_compare(request, pk):
    """Two revisions of an order side by side (?a=1&b=2; the last two when not given), changed cells marked."""
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    revisions = {revision.number: revision for revision in revisions_of(order)}
    for revision in revisions.values():
        if revision.change_request is not None:
            revision.change_request.order = order  # its label, without a query per revision
    last = max(revisions)
    try:
        a = int(request.GET.get("a") or max(last - 1, 1))
        b = int(request.GET.get("b") or last)
    except ValueError as exc:
        raise Http404 from exc
    if a not in revisions or b not in revisions:
        raise Http404
    comparison = compare_revisions(revisions[a], revisions[b])
    header = [
        {**row, **_money_cell(row["field"], row), "label": FIELD_LABELS[row["field"]]} for row in comparison.header
    ]
    lines = [
        {
            **line,
            "cells": [{**line["fields"][name], **_money_cell(name, line["fields"][name])} for name in LINE_COMPARED],
        }
        for line in comparison.lines
    ]
    context = {
        "order": order,
        "comparison": comparison,
        "header": header,
        "lines": lines,
        "line_labels": [LINE_LABELS[name] for name in LINE_COMPARED],
        "revisions": list(revisions.values()),
        "pickers": [("a", comparison.a, _("Compare")), ("b", comparison.b, _("with"))],
        "compared": [comparison.a, comparison.b],
    }
    return render(request, "sales/order_revisions_compare.html", context)

"""A credit override from the order page: asked for, decided by the approvers of its current level, withdrawn."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import run_service

from .forms_credit import CreditOverrideForm
from .selectors import order_list
from .services_credit import (
    credit_override_approve,
    credit_override_reject,
    credit_override_request,
    credit_override_withdraw,
)
from .views import get_order_for_page, render_order_page


def _to_card(order_pk):
    return redirect(reverse("sales:order_detail", args=[order_pk]) + "#credit")


@login_required
@require_POST
def credit_override_request_view(request, pk):
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    form = CreditOverrideForm(request.POST)
    if form.is_valid():
        override = run_service(
            form,
            lambda: credit_override_request(
                order=order, actor=request.user, reason=form.cleaned_data["reason"], days=form.cleaned_data["days"]
            ),
        )
        if override is not None:
            messages.success(request, _("Credit override asked for: the approvers decide it."))
            return _to_card(pk)
    return render_order_page(request, get_order_for_page(request, pk), status=400, credit_form=form)


DECISIONS = {
    "approve": lambda override, request: credit_override_approve(
        override=override, actor=request.user, comment=request.POST.get("comment", "").strip()
    ),
    "reject": lambda override, request: credit_override_reject(
        override=override, actor=request.user, comment=request.POST.get("comment", "")
    ),
    "withdraw": lambda override, request: credit_override_withdraw(override=override, actor=request.user),
}


def _done_message(decision, override) -> str:
    if decision == "withdraw":
        return _("Credit override withdrawn.")
    if decision == "reject":
        return _("Credit override rejected.")
    if override.status == "approved":
        return _("Credit override approved: the order may pass the credit limit until %(until)s.") % {
            "until": timezone.localtime(override.valid_until).strftime("%Y-%m-%d %H:%M")
        }
    return _("Your approval is recorded; it now waits for the other approvers.")


@login_required
@require_POST
def credit_override_decide_view(request, pk, override_pk, decision):
    if decision not in DECISIONS:
        raise Http404
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    override = get_object_or_404(order.credit_overrides, pk=override_pk)
    try:
        override = DECISIONS[decision](override, request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _done_message(decision, override))
    return _to_card(pk)

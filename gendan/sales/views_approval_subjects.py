"""Deciding the approval of a quotation or a contract: posted from the quotation page and from the panel sales
adds to the contract page (crm's page knows nothing of sales)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.crm.models import Contract, ContractStatus

from . import services_approvals, services_quotations
from .models import Quotation, QuotationStatus

DECISIONS = ("approve", "reject")


# After an approval that leaves the request waiting: for the next level, or for the rest of an "all of them" level.
STILL_WAITING = gettext_lazy("Your approval is recorded; it now waits for the other approvers.")


def _decide(request, decide) -> None:
    """Run `decide()` (which answers the message of its success) and tell the user how it went."""
    try:
        message = decide()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)


@login_required
@require_POST
def quotation_decide_view(request, pk, decision):
    if decision not in DECISIONS:
        raise Http404
    quotation = get_object_or_404(Quotation.objects.visible_to(request.user), pk=pk)
    comment = request.POST.get("comment", "").strip()

    def decide():
        if decision == "approve":
            decided = services_quotations.quotation_approve(quotation=quotation, actor=request.user, comment=comment)
            if decided.status != QuotationStatus.APPROVED:
                return STILL_WAITING
            return _("Quotation %(number)s approved: its owner can send it now.") % {"number": decided.label}
        services_quotations.quotation_approval_reject(quotation=quotation, actor=request.user, comment=comment)
        return _("Quotation %(number)s refused: it is a draft again for its owner to change.") % {
            "number": quotation.label
        }

    _decide(request, decide)
    return redirect("quotations:detail", pk=pk)


@login_required
@require_POST
def contract_decide_view(request, pk, decision):
    if decision not in DECISIONS:
        raise Http404
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    comment = request.POST.get("comment", "").strip()

    def decide():
        if decision == "approve":
            decided = services_approvals.contract_approve(contract=contract, actor=request.user, comment=comment)
            if decided.status != ContractStatus.ACTIVE:
                return STILL_WAITING
            return _("Contract %(number)s approved: it is in force.") % {"number": contract.number}
        services_approvals.contract_approval_reject(contract=contract, actor=request.user, comment=comment)
        return _("Contract %(number)s refused: it is a draft again for its owner to change.") % {
            "number": contract.number
        }

    _decide(request, decide)
    return redirect("crm:contract_detail", pk=pk)

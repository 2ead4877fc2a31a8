"""Contract pages: the list with filters and export, entry from the customer page, a contract's own page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core import panels
from gendan.core.forms import bootstrap, run_service
from gendan.core.selectors import timeline_events
from gendan.core.tables import list_response

from . import services_contracts as services
from .forms_contracts import ContractActivateForm, ContractEditForm, ContractForm, ContractTerminateForm
from .lists import contract_filter
from .models import CONTRACT_EDITABLE, ContractStatus
from .selectors import contract_list
from .tables import SOON_DAYS, ContractTable
from .views_followups import _drop_owner_filter, _visible_customer


@login_required
@permission_required("crm.view_contract", raise_exception=True)
def contract_list_view(request):
    filterset, customer = contract_filter(request.user, request.GET, request=request)
    _drop_owner_filter(request, filterset)
    bootstrap(filterset.form)
    return list_response(
        request, ContractTable, filterset.qs, "crm/contract_list.html", {"filter": filterset, "customer": customer}
    )


@login_required
@permission_required("crm.add_contract", raise_exception=True)
def contract_create(request, pk):
    customer = _visible_customer(request, pk)
    data = request.POST if request.method == "POST" else None
    form = ContractForm(data, request.FILES or None, user=request.user)
    if data is None:
        today = timezone.localdate()
        form.initial.update(start_date=today, end_date=today.replace(year=today.year + 1) - datetime.timedelta(days=1))
    if data is not None and form.is_valid():
        contract = run_service(
            form,
            lambda: services.contract_create(customer=customer, actor=request.user, **form.fields_for_service()),
        )
        if contract:
            messages.success(request, _("Contract %(number)s created.") % {"number": contract.number})
            return redirect(contract.get_absolute_url())
    return render(request, "crm/contract_form.html", {"form": form, "customer": customer})


def _contract_or_404(request, pk):
    return get_object_or_404(contract_list(user=request.user), pk=pk)


def _contract_page(request, contract, **forms):
    today = timezone.localdate()
    return render(
        request,
        "crm/contract_detail.html",
        {
            "contract": contract,
            "customer": contract.customer,
            "activate_form": forms.get("activate_form") or ContractActivateForm(prefix="activate"),
            "terminate_form": forms.get("terminate_form") or ContractTerminateForm(prefix="terminate"),
            "events": timeline_events(contract),
            "days_left": contract.days_left(today),
            "editable": contract.status in CONTRACT_EDITABLE,
            "soon": SOON_DAYS,
            # What the apps above add: sales shows the contract's approval and its approvers' forms.
            "panels": panels.for_page("crm.contract", request, contract, **forms),
        },
        status=400 if forms else 200,
    )


@login_required
@permission_required("crm.view_contract", raise_exception=True)
def contract_detail(request, pk):
    return _contract_page(request, _contract_or_404(request, pk))


@login_required
@permission_required("crm.view_contract", raise_exception=True)
def contract_file(request, pk):
    """The contract's file, to people who may see the contract (media URLs are not served to anyone)."""
    contract = _contract_or_404(request, pk)
    if not contract.file:
        raise Http404
    try:
        handle = contract.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=contract.file_name or contract.file.name)


@login_required
@permission_required("crm.change_contract", raise_exception=True)
def contract_edit(request, pk):
    contract = _contract_or_404(request, pk)
    initial = {
        "title": contract.title,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "amount": contract.amount,
        "owner": contract.owner_id,
        "signed_on": contract.signed_on,
        "notes": contract.notes,
        "version": contract.version,
    }
    data = request.POST if request.method == "POST" else None
    form = ContractEditForm(data, request.FILES or None, initial=initial, user=request.user)
    if data is not None and form.is_valid():
        fields = form.fields_for_service()
        version = fields.pop("version")
        if run_service(
            form, lambda: services.contract_update(contract=contract, actor=request.user, version=version, **fields)
        ):
            messages.success(request, _("Changes saved."))
            return redirect(contract.get_absolute_url())
    stale = getattr(form, "stale", False)
    return render(
        request,
        "crm/contract_form.html",
        {"form": form, "customer": contract.customer, "contract": contract, "stale": stale},
    )


@login_required
@permission_required("crm.change_contract", raise_exception=True)
@require_POST
def contract_activate(request, pk):
    contract = _contract_or_404(request, pk)
    form = ContractActivateForm(request.POST, prefix="activate")
    done = form.is_valid() and run_service(
        form, lambda: services.contract_activate(contract=contract, actor=request.user, **form.cleaned_data)
    )
    if done:
        if done.status == ContractStatus.PENDING_APPROVAL:
            message = _("Contract %(number)s submitted for approval: it is in force once approved.")
        else:
            message = _("Contract %(number)s is in force.")
        messages.success(request, message % {"number": contract.number})
        return redirect(contract.get_absolute_url())
    return _contract_page(request, contract, activate_form=form)


@login_required
@permission_required("crm.change_contract", raise_exception=True)
@require_POST
def contract_terminate(request, pk):
    contract = _contract_or_404(request, pk)
    form = ContractTerminateForm(request.POST, prefix="terminate")
    done = form.is_valid() and run_service(
        form, lambda: services.contract_terminate(contract=contract, actor=request.user, **form.cleaned_data)
    )
    if done:
        messages.success(request, _("Contract %(number)s terminated.") % {"number": contract.number})
        return redirect(contract.get_absolute_url())
    return _contract_page(request, contract, terminate_form=form)

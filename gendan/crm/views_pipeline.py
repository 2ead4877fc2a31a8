"""Lead and opportunity pages: lists, the kanban by stage, a lead's and a deal's own page with their actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core import custom_fields, panels
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.forms import add_service_errors, bootstrap, run_service
from gendan.core.selectors import timeline_events
from gendan.core.tables import list_response

from . import services_pipeline as services
from .filters import OPEN, BoardFilter, LeadFilter
from .forms_pipeline import (
    LEAD_FORM_FIELDS,
    OPPORTUNITY_FORM_FIELDS,
    LeadContactForm,
    LeadConvertForm,
    LeadEditForm,
    LeadForm,
    OpportunityEditForm,
    OpportunityForm,
    OpportunityMoveForm,
    ReasonForm,
)
from .lists import opportunity_filter, with_default
from .models import CLOSED_STAGES, LEAD_OPEN, Stage
from .selectors import lead_list, opportunity_board, opportunity_list
from .tables import LeadTable, OpportunityTable
from .views_followups import _drop_owner_filter, _visible_customer


def _save_or_errors(form, call):
    """Run an edit service: (done, stale) with its errors on the form."""
    try:
        call()
    except ValidationError as exc:
        add_service_errors(exc, {"": form})
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False, exc.code == ErrorCode.STALE_VERSION
    else:
        return True, False
    return False, False


# --- leads -------------------------------------------------------------------------------------


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def lead_list_view(request):
    filterset = LeadFilter(
        with_default(request.GET, "status", OPEN), queryset=lead_list(user=request.user), request=request
    )
    _drop_owner_filter(request, filterset)
    bootstrap(filterset.form)
    return list_response(request, LeadTable, filterset.qs, "crm/lead_list.html", {"filter": filterset})


@login_required
@permission_required("crm.add_lead", raise_exception=True)
def lead_create(request):
    data = request.POST if request.method == "POST" else None
    form = LeadForm(data, user=request.user)
    if data is not None and form.is_valid():
        lead = run_service(form, lambda: services.lead_create(actor=request.user, **form.fields_for_service()))
        if lead:
            messages.success(request, _("Lead %(company)s entered.") % {"company": lead.company})
            return redirect(lead.get_absolute_url())
    return render(request, "crm/lead_form.html", {"form": form})


def _lead_or_404(request, pk):
    return get_object_or_404(lead_list(user=request.user), pk=pk)


def _lead_page(request, lead, **forms):
    return render(
        request,
        "crm/lead_detail.html",
        {
            "lead": lead,
            "is_open": lead.status in LEAD_OPEN,
            "contact_form": forms.get("contact_form") or LeadContactForm(prefix="contact"),
            "convert_form": forms.get("convert_form") or LeadConvertForm(prefix="convert", user=request.user),
            "disqualify_form": forms.get("disqualify_form") or ReasonForm(prefix="disqualify"),
            "events": timeline_events(lead),
        },
        status=400 if forms else 200,
    )


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def lead_detail(request, pk):
    return _lead_page(request, _lead_or_404(request, pk))


@login_required
@permission_required("crm.change_lead", raise_exception=True)
def lead_edit(request, pk):
    lead = _lead_or_404(request, pk)
    initial = {**model_to_dict(lead, fields=LEAD_FORM_FIELDS), "version": lead.version}
    data = request.POST if request.method == "POST" else None
    form = LeadEditForm(data, initial=initial, user=request.user)
    stale = False
    if data is not None and form.is_valid():
        fields = form.fields_for_service()
        version = fields.pop("version")
        done, stale = _save_or_errors(
            form, lambda: services.lead_update(lead=lead, actor=request.user, version=version, **fields)
        )
        if done:
            messages.success(request, _("Changes saved."))
            return redirect(lead.get_absolute_url())
    return render(request, "crm/lead_form.html", {"form": form, "lead": lead, "stale": stale})


@login_required
@permission_required("crm.change_lead", raise_exception=True)
@require_POST
def lead_contact(request, pk):
    lead = _lead_or_404(request, pk)
    form = LeadContactForm(request.POST, prefix="contact")
    if form.is_valid() and run_service(
        form, lambda: services.lead_contact(lead=lead, actor=request.user, **form.cleaned_data)
    ):
        messages.success(request, _("Contact recorded."))
        return redirect(lead.get_absolute_url())
    return _lead_page(request, lead, contact_form=form)


@login_required
@permission_required("crm.change_lead", raise_exception=True)
@require_POST
def lead_convert(request, pk):
    lead = _lead_or_404(request, pk)
    form = LeadConvertForm(request.POST, prefix="convert", user=request.user)
    converted = form.is_valid() and run_service(
        form, lambda: services.lead_convert(lead=lead, actor=request.user, **form.cleaned_data)
    )
    if converted:
        messages.success(request, _("%(company)s is a customer now.") % {"company": lead.company})
        return redirect(converted.customer.get_absolute_url())
    return _lead_page(request, lead, convert_form=form)


@login_required
@permission_required("crm.change_lead", raise_exception=True)
@require_POST
def lead_disqualify(request, pk):
    lead = _lead_or_404(request, pk)
    form = ReasonForm(request.POST, prefix="disqualify")
    if form.is_valid() and run_service(
        form, lambda: services.lead_disqualify(lead=lead, actor=request.user, **form.cleaned_data)
    ):
        messages.success(request, _("Lead disqualified."))
        return redirect(lead.get_absolute_url())
    return _lead_page(request, lead, disqualify_form=form)


# --- opportunities -----------------------------------------------------------------------------


def _board_context(request):
    filterset = BoardFilter(request.GET, queryset=opportunity_list(user=request.user), request=request)
    _drop_owner_filter(request, filterset)
    bootstrap(filterset.form)
    return {
        "filter": filterset,
        "columns": opportunity_board(filterset.qs, today=timezone.localdate()),
        "open_stages": [s for s in Stage.values if s not in CLOSED_STAGES],
    }


@login_required
@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_board_view(request):
    return render(request, "crm/opportunity_board.html", _board_context(request))


@login_required
@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_list_view(request):
    filterset, customer = opportunity_filter(request.user, request.GET, request=request)
    _drop_owner_filter(request, filterset)
    bootstrap(filterset.form)
    return list_response(
        request,
        OpportunityTable,
        filterset.qs,
        "crm/opportunity_list.html",
        {"filter": filterset, "customer": customer},
    )


@login_required
@permission_required("crm.add_opportunity", raise_exception=True)
def opportunity_create(request, pk):
    customer = _visible_customer(request, pk)
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(data, user=request.user, initial={"stage": Stage.LEAD})
    if data is not None and form.is_valid():
        opportunity = run_service(
            form,
            lambda: services.opportunity_create(customer=customer, actor=request.user, **form.fields_for_service()),
        )
        if opportunity:
            messages.success(request, _("Opportunity %(name)s opened.") % {"name": opportunity.name})
            return redirect(opportunity.get_absolute_url())
    return render(request, "crm/opportunity_form.html", {"form": form, "customer": customer})


def _opportunity_or_404(request, pk):
    return get_object_or_404(opportunity_list(user=request.user), pk=pk)


def _opportunity_page(request, opportunity, move_form=None):
    return render(
        request,
        "crm/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "customer": opportunity.customer,
            "move_form": move_form or OpportunityMoveForm(prefix="move", initial={"stage": opportunity.stage}),
            "events": timeline_events(opportunity),
            "custom_rows": custom_fields.record_rows("crm.opportunity", opportunity),
            "panels": panels.for_page("crm.opportunity", request, opportunity),
        },
        status=400 if move_form else 200,
    )


@login_required
@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_detail(request, pk):
    return _opportunity_page(request, _opportunity_or_404(request, pk))


@login_required
@permission_required("crm.change_opportunity", raise_exception=True)
def opportunity_edit(request, pk):
    opportunity = _opportunity_or_404(request, pk)
    fields = [f for f in OPPORTUNITY_FORM_FIELDS if f != "stage"]
    initial = {**model_to_dict(opportunity, fields=fields), "version": opportunity.version}
    data = request.POST if request.method == "POST" else None
    form = OpportunityEditForm(data, initial=initial, user=request.user, custom_values=opportunity.custom_fields)
    stale = False
    if data is not None and form.is_valid():
        values = form.fields_for_service()
        version = values.pop("version")
        done, stale = _save_or_errors(
            form,
            lambda: services.opportunity_update(opportunity=opportunity, actor=request.user, version=version, **values),
        )
        if done:
            messages.success(request, _("Changes saved."))
            return redirect(opportunity.get_absolute_url())
    return render(
        request,
        "crm/opportunity_form.html",
        {"form": form, "customer": opportunity.customer, "opportunity": opportunity, "stale": stale},
    )


@login_required
@permission_required("crm.change_opportunity", raise_exception=True)
@require_POST
def opportunity_move(request, pk):
    """Move a deal: from the kanban (HTMX, answered with the board) or from its page."""
    opportunity = _opportunity_or_404(request, pk)
    form = OpportunityMoveForm(request.POST, prefix="move")
    moved = form.is_valid() and run_service(
        form, lambda: services.opportunity_move(opportunity=opportunity, actor=request.user, **form.cleaned_data)
    )
    if request.htmx:
        context = _board_context(request)
        if not moved:
            errors = [e for field_errors in form.errors.values() for e in field_errors]
            context["move_error"] = {"opportunity": opportunity, "errors": errors}
        return render(request, "crm/_board.html", context)
    if moved:
        messages.success(
            request,
            _("%(name)s moved to %(stage)s.") % {"name": opportunity.name, "stage": moved.get_stage_display()},
        )
        return redirect(opportunity.get_absolute_url())
    return _opportunity_page(request, opportunity, move_form=form)

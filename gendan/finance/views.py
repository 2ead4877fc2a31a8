"""Invoices and payments are created from the order page; these views call the services and go back there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gendan.core import panels
from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors
from gendan.core.worklist_lists import days_since
from gendan.sales.views import get_order_for_page, render_order_page

from . import services
from .forms import FapiaoNumberForm, InvoiceForm, PaymentForm
from .forms_credit_notes import CreditNoteForm
from .forms_instalments import InstalmentPlanForm
from .models import InvoiceStatus
from .pdf_invoices import invoice_pdf_response
from .selectors import (
    invoice_allocations,
    invoice_credit_notes,
    invoice_detail_queryset,
    invoice_lines,
    invoice_lines_left_to_credit,
    invoice_timeline,
    order_instalments,
    order_invoices,
)
from .services_credit_notes import CREATE_PERMISSION as CREDIT_PERMISSION
from .services_credit_notes import ISSUE_PERMISSION
from .worklists import works_finance


@login_required
@require_POST
def invoice_create_view(request, order_pk):
    if not request.user.has_perm("finance.add_invoice"):
        raise PermissionDenied
    order = get_order_for_page(request, order_pk)
    form = InvoiceForm(request.POST, order_lines=list(order.lines.all()), customer=order.customer)
    if form.is_valid():
        try:
            invoice = services.invoice_create(
                order=order,
                actor=request.user,
                lines=form.line_rows(),
                issue="issue" in request.POST,
                kind=form.chosen_kind(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if invoice.status == InvoiceStatus.ISSUED:
                messages.success(request, _("Invoice %(number)s created and issued.") % {"number": invoice.number})
            else:
                messages.success(request, _("Invoice %(number)s created.") % {"number": invoice.number})
            return redirect("sales:order_detail", pk=order.pk)
    return render_order_page(request, order, invoice_form=form)


@login_required
@require_POST
def invoice_issue_view(request, pk):
    """Issue from the invoice's page (with the fapiao number, if known) or from its order's (without)."""
    invoice = get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk)
    on_invoice_page = request.POST.get("back") == "invoice"
    form = FapiaoNumberForm(request.POST, required=False)
    if form.is_valid():
        try:
            services.invoice_issue(
                invoice=invoice, actor=request.user, fapiao_number=form.cleaned_data["fapiao_number"]
            )
        except ValidationError as exc:
            if on_invoice_page:
                add_service_errors(exc, {"": form})
            else:
                messages.error(request, " ".join(exc.messages))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    if form.errors and on_invoice_page:
        return render_invoice_page(request, invoice, issue_form=form, status=400)
    if on_invoice_page:
        return redirect("finance:invoice_detail", pk=invoice.pk)
    return redirect("sales:order_detail", pk=invoice.order_id)


@login_required
@require_POST
def invoice_fapiao_number_view(request, pk):
    """The fapiao number entered, or corrected, on an issued invoice's page."""
    invoice = get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk)
    form = FapiaoNumberForm(request.POST, prefix="fapiao")
    if form.is_valid():
        try:
            services.invoice_set_fapiao_number(
                invoice=invoice, actor=request.user, fapiao_number=form.cleaned_data["fapiao_number"]
            )
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Fapiao number saved."))
            return redirect("finance:invoice_detail", pk=invoice.pk)
    return render_invoice_page(request, invoice, fapiao_form=form, status=400)


@login_required
@require_POST
def payment_create_view(request, order_pk):
    if not request.user.has_perm("finance.add_payment"):
        raise PermissionDenied
    order = get_order_for_page(request, order_pk)
    form = PaymentForm(request.POST, invoices=order_invoices(order=order))
    if form.is_valid() and (payment := form.record(actor=request.user, customer=order.customer, order=order)):
        messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
        return redirect("sales:order_detail", pk=order.pk)
    return render_order_page(request, order, payment_form=form)


@login_required
@require_GET
def invoice_detail_view(request, pk):
    return render_invoice_page(request, get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk))


def render_invoice_page(request, invoice, *, credit_form=None, issue_form=None, fapiao_form=None, status=200):
    """The invoice as the customer receives it, its payments, its credit notes and history; with the forms (bound,
    after bad input) of who may act on it: issue it, enter its fapiao number, credit it."""
    user = request.user
    late = days_since(invoice.due_date) if invoice.status == InvoiceStatus.ISSUED else None
    may_credit = invoice.status == InvoiceStatus.ISSUED and user.has_perm(CREDIT_PERMISSION)
    if credit_form is None and may_credit:
        credit_form = CreditNoteForm(
            lines=invoice_lines_left_to_credit(invoice), may_issue=user.has_perm(ISSUE_PERMISSION)
        )
    credit_notes = invoice_credit_notes(invoice)
    may_issue = user.has_perm("finance.issue_invoice")
    can_issue = invoice.status == InvoiceStatus.DRAFT and may_issue
    if can_issue and issue_form is None:
        issue_form = FapiaoNumberForm(required=False)
    if invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID) and may_issue and fapiao_form is None:
        fapiao_form = FapiaoNumberForm(prefix="fapiao", initial={"fapiao_number": invoice.fapiao_number})
    context = {
        "invoice": invoice,
        "lines": invoice_lines(invoice),
        "allocations": invoice_allocations(invoice),
        "credit_notes": credit_notes,
        "credit_form": credit_form,
        "may_issue_credit_notes": user.has_perm(ISSUE_PERMISSION),
        "events": invoice_timeline(invoice, credit_notes),
        "days_overdue": late if late and late > 0 else None,
        "can_issue": can_issue,
        "issue_form": issue_form,
        "fapiao_form": fapiao_form,
        "can_pay": invoice.status == InvoiceStatus.ISSUED
        and works_finance(user)
        and user.has_perm("finance.add_payment"),
        "panels": panels.for_page("finance.invoice", request, invoice),
    }
    return render(request, "finance/invoice_detail.html", context, status=status)


@login_required
@require_GET
def invoice_pdf_view(request, pk):
    invoice = get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk)
    return invoice_pdf_response(invoice, invoice_lines(invoice))


@login_required
@require_POST
def order_instalments_view(request, order_pk):
    """Set the order's payment plan from its page; bad rows come back on the page, each on its row."""
    order = get_order_for_page(request, order_pk)
    form = InstalmentPlanForm(request.POST, instalments=order_instalments(order=order))
    if form.is_valid() and form.save(actor=request.user, order=order) is not None:
        messages.success(request, _("Payment plan saved."))
        return redirect(f"{reverse('sales:order_detail', args=[order.pk])}#instalments")
    return render_order_page(request, order, instalment_form=form)

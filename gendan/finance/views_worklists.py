"""Finance's worklist pages, and the invoice and the payment made from their rows through the finance services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from gendan.core.errors import ApplicationError
from gendan.core.forms import run_service
from gendan.sales.models import Order
from gendan.sales.worklist_pages import back_to_list, worklist_page

from . import services
from .filters import OrderToInvoiceFilter, UnallocatedPaymentFilter, UnpaidInvoiceFilter
from .forms import InvoiceForm, PaymentForm, RefundForm
from .models import Invoice, InvoiceStatus
from .selectors import payment_queryset
from .selectors_worklists import invoices_unpaid, orders_to_invoice, payments_unallocated
from .services_refunds import payment_refund
from .tables import OrderToInvoiceTable, UnallocatedPaymentTable, UnpaidInvoiceTable
from .worklists import works_finance


def _require_worklist(user):
    if not works_finance(user):
        raise PermissionDenied


def _worklist_page(request, *, selector, **kwargs):
    _require_worklist(request.user)
    return worklist_page(request, rows=selector(user=request.user), **kwargs)


@login_required
@require_GET
def to_invoice_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("To invoice"),
        intro=gettext_lazy("Orders with goods shipped and not yet invoiced, the oldest first."),
        filter_class=OrderToInvoiceFilter,
        selector=orders_to_invoice,
        table_class=OrderToInvoiceTable,
    )


@login_required
@require_GET
def unpaid_invoices_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("Unpaid invoices"),
        intro=gettext_lazy("Issued invoices not yet paid in full, the longest overdue first."),
        filter_class=UnpaidInvoiceFilter,
        selector=invoices_unpaid,
        table_class=UnpaidInvoiceTable,
    )


@login_required
@require_GET
def unallocated_payments_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("Payments to allocate"),
        intro=gettext_lazy("Money received and not yet put against invoices, the oldest first."),
        filter_class=UnallocatedPaymentFilter,
        selector=payments_unallocated,
        table_class=UnallocatedPaymentTable,
    )


def _dialog(request, template, context):
    """The form in the worklist's dialog, or on a page of its own without JavaScript."""
    page = "finance/worklists/dialog.html"
    return render(request, template if request.htmx else page, {**context, "form_template": template})


@login_required
@require_http_methods(["GET", "POST"])
def to_invoice_invoice_view(request, order_pk):
    _require_worklist(request.user)
    if not request.user.has_perm("finance.add_invoice"):
        raise PermissionDenied
    # Any order in sight, not only those still on the list: a second click meets the service's refusal.
    order = get_object_or_404(Order.objects.visible_to(request.user).select_related("customer"), pk=order_pk)
    lines = list(order.lines.select_related("product"))
    form = InvoiceForm(request.POST or None, order_lines=lines, customer=order.customer)
    if request.method == "POST" and form.is_valid():
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
                done = _("Invoice %(number)s created and issued.")
            else:
                done = _("Invoice %(number)s created.")
            messages.success(request, done % {"number": invoice.number})
            return back_to_list(request, "finance:to_invoice")
    context = {"order": order, "form": form, "can_issue": request.user.has_perm("finance.issue_invoice")}
    return _dialog(request, "finance/worklists/_invoice_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unpaid_invoice_payment_view(request, pk):
    _require_worklist(request.user)
    if not request.user.has_perm("finance.add_payment"):
        raise PermissionDenied
    invoice = get_object_or_404(Invoice.objects.visible_to(request.user).select_related("customer", "order"), pk=pk)
    form = PaymentForm(request.POST or None, invoices=[invoice])
    if (
        request.method == "POST"
        and form.is_valid()
        and (payment := form.record(actor=request.user, customer=invoice.customer))
    ):
        messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
        return back_to_list(request, "finance:unpaid_invoices")
    return _dialog(request, "finance/worklists/_payment_form.html", {"invoice": invoice, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def unallocated_payment_view(request, pk):
    """What is left of a payment: put against the customer's oldest open invoices, or paid back."""
    _require_worklist(request.user)
    if not request.user.has_perm("finance.add_payment"):
        raise PermissionDenied
    payment = get_object_or_404(payment_queryset(user=request.user), pk=pk)
    refund_form = RefundForm(request.POST if "refund" in request.POST else None, payment=payment)
    if request.method == "POST" and "oldest_first" in request.POST:
        try:
            services.payment_allocate(payment=payment, actor=request.user, oldest_first=True)
        except ValidationError as exc:
            refund_form.add_error(None, " ".join(exc.messages))
        except ApplicationError as exc:
            refund_form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Payment %(number)s put against the oldest open invoices.") % {"number": payment.number}
            )
            return back_to_list(request, "finance:unallocated_payments")
    elif request.method == "POST" and refund_form.is_valid():
        refund = run_service(
            refund_form, lambda: payment_refund(payment=payment, actor=request.user, **refund_form.cleaned_data)
        )
        if refund is not None:
            messages.success(request, _("Refund %(number)s recorded.") % {"number": refund.number})
            return back_to_list(request, "finance:unallocated_payments")
    context = {"payment": payment, "refund_form": refund_form}
    return _dialog(request, "finance/worklists/_payment_settle_form.html", context)

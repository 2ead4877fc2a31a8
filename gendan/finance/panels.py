"""Finance's panels on other apps' pages (registered in FinanceConfig.ready()): the order page's invoices and
payments, the customer page's receivables, and the invoices on the page a customer opens by link."""

from django.utils import timezone

from .forms import InvoiceForm, PaymentForm
from .forms_instalments import InstalmentPlanForm
from .models import InstalmentStatus, InvoiceStatus, Statement
from .receivables import BUCKETS, ageing_totals
from .selectors import order_deposits, order_instalments, order_invoices, order_payment_allocations
from .services_instalments import may_set_plan
from .services_statements import CREATE_PERMISSION as STATEMENT_PERMISSION
from .tables_receivables import open_invoices_url


def order_finance_panel(
    request, order, *, invoice_form=None, payment_form=None, instalment_form=None, **other_forms
) -> dict:
    """The order's payment plan, invoices and the payments applied to them; with the permissions, the forms."""
    user = request.user
    # One queryset for the list and the payment form: the invoices are read once.
    invoices = order_invoices(order=order)
    instalments = order_instalments(order=order)
    open_instalments = [row for row in instalments if row.status == InstalmentStatus.OPEN]
    if user.has_perm("finance.add_invoice") and invoice_form is None:
        invoice_form = InvoiceForm(order_lines=list(order.lines.all()), customer=order.customer)
    if invoice_form is not None and not invoice_form.line_fields:
        invoice_form = None
    if user.has_perm("finance.add_payment") and payment_form is None:
        payment_form = PaymentForm(invoices=invoices, instalment=open_instalments[0] if open_instalments else None)
    # With nothing invoiced yet, a payment is a deposit for the plan's next instalment.
    if payment_form is not None and not (payment_form.allocation_fields or open_instalments):
        payment_form = None
    may_plan = may_set_plan(order, user)
    if may_plan and instalment_form is None:
        instalment_form = InstalmentPlanForm(instalments=instalments)
    return {
        "invoices": invoices,
        "allocations": order_payment_allocations(order=order),
        "deposits": order_deposits(order=order),
        "invoice_form": invoice_form,
        "payment_form": payment_form,
        "can_issue_invoices": user.has_perm("finance.issue_invoice"),
        "instalments": instalments,
        "instalment_form": instalment_form if may_plan else None,
    }


def order_invoices_public(request, order) -> dict:
    """What the customer's link shows of the order's invoices: those issued to them, paid or not."""
    invoices = order_invoices(order=order).filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID])
    return {"public_invoices": list(invoices)}


# The customer's latest statements on their page; the rest are in the statement list, filtered by customer.
STATEMENTS_SHOWN = 3


def customer_receivables_panel(request, customer, **forms) -> dict:
    """What the customer owes on the invoices the user sees, by how long it is overdue, each part a link; and
    their latest statements."""
    today = timezone.localdate()
    totals = ageing_totals(user=request.user, today=today, customer=customer)
    user = request.user
    statements = []
    if user.has_perm("finance.view_statement"):
        statements = list(
            Statement.objects.visible_to(user)
            .filter(customer=customer)
            .order_by("-created_at", "-id")[:STATEMENTS_SHOWN]
        )
    return {
        "customer": customer,
        "statements": statements,
        "may_make_statement": user.has_perm(STATEMENT_PERMISSION),
        "owed": totals["total"],
        "overdue": totals["total"] - totals["current"],
        "owed_url": open_invoices_url(today, "customer", customer.pk),
        "owed_buckets": [
            (bucket, totals[bucket.key], open_invoices_url(today, "customer", customer.pk, bucket))
            for bucket in BUCKETS
            if totals[bucket.key]
        ],
    }

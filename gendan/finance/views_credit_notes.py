"""Credit notes from the invoice's page: drafted or issued at once, and a draft issued later."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError

from .forms_credit_notes import CreditNoteForm
from .models import CreditNote
from .selectors import invoice_detail_queryset, invoice_lines_left_to_credit
from .services_credit_notes import CREATE_PERMISSION, ISSUE_PERMISSION, credit_note_create, credit_note_issue
from .views import render_invoice_page


def _to_credit_notes(invoice_pk):
    return redirect(reverse("finance:invoice_detail", args=[invoice_pk]) + "#credit-notes")


@login_required
@require_POST
def credit_note_create_view(request, pk):
    if not request.user.has_perm(CREATE_PERMISSION):
        raise PermissionDenied
    invoice = get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk)
    form = CreditNoteForm(
        request.POST, lines=invoice_lines_left_to_credit(invoice), may_issue=request.user.has_perm(ISSUE_PERMISSION)
    )
    if form.is_valid():
        rows = form.line_rows()
        issue = form.cleaned_data.get("issue", False)
        try:
            note = credit_note_create(
                actor=request.user,
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                lines=rows,
                amount=form.cleaned_data["amount"] if rows is None else None,
                issue=issue,
            )
        except ValidationError as exc:
            form.add_line_errors(rows, exc.message_dict)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            done = _("Credit note %(number)s issued.") if issue else _("Credit note %(number)s drafted.")
            messages.success(request, done % {"number": note.number})
            return _to_credit_notes(invoice.pk)
    return render_invoice_page(request, invoice, credit_form=form, status=400)


@login_required
@require_POST
def credit_note_issue_view(request, pk):
    note = get_object_or_404(CreditNote.objects.visible_to(request.user), pk=pk)
    try:
        credit_note_issue(credit_note=note, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
    return _to_credit_notes(note.invoice_id)

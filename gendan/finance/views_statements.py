"""Statements (对账单) on finance's pages: the list, a new one, its page with what it says and what the customer
answered, sending it, resolving a dispute, and its PDF and spreadsheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.forms import run_service
from gendan.core.selectors import timeline_events
from gendan.core.tables import list_response

from .documents_statements import statement_file_response, statement_rows
from .forms import ResolutionForm, StatementForm, StatementSendForm
from .lists import statement_filter
from .models import Statement, StatementStatus
from .services_statements import (
    CREATE_PERMISSION,
    SEND_PERMISSION,
    statement_create,
    statement_link_path,
    statement_resolve,
    statement_send,
)
from .tables import StatementTable


def _statements(user):
    return Statement.objects.visible_to(user).select_related("customer", "created_by")


@login_required
@permission_required("finance.view_statement", raise_exception=True)
@require_GET
def statement_list_view(request):
    filterset = statement_filter(request.user, request.GET)
    context = {"filter": filterset, "may_create": request.user.has_perm(CREATE_PERMISSION)}
    return list_response(request, StatementTable, filterset.qs, "finance/statement_list.html", context)


@login_required
@permission_required(CREATE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def statement_create_view(request):
    form = StatementForm(request.POST or None, user=request.user).for_customer(request.GET.get("customer"))
    if request.method == "POST" and form.is_valid():
        made = run_service(form, lambda: statement_create(actor=request.user, **form.cleaned_data))
        if made is not None:
            statement, token = made
            messages.success(request, _("Statement %(number)s made.") % {"number": statement.label})
            return render_statement_page(request, statement, token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "finance/statement_form.html", {"form": form}, status=status)


def render_statement_page(request, statement, *, token=None, send_form=None, resolution_form=None, status=200):
    """The statement's page; `token`: a link just made, shown this once."""
    user = request.user
    statement = _statements(user).prefetch_related("disputes").get(pk=statement.pk)
    may_send = user.has_perm(SEND_PERMISSION)
    latest = not statement.is_superseded
    answerable = statement.is_answerable
    context = {
        "statement": statement,
        "rows": statement_rows(statement),
        "disputes": list(statement.disputes.all()),
        "versions": list(_statements(user).filter(number=statement.number).order_by("version")),
        "events": timeline_events(statement),
        "link_url": request.build_absolute_uri(statement_link_path(token)) if token else None,
        "send_form": send_form or (StatementSendForm() if may_send and answerable else None),
        "may_share": may_send and answerable,
        "resolution_form": resolution_form
        or (ResolutionForm() if may_send and latest and statement.status == StatementStatus.DISPUTED else None),
    }
    return render(request, "finance/statement_detail.html", context, status=status)


@login_required
@permission_required("finance.view_statement", raise_exception=True)
@require_GET
def statement_detail_view(request, pk):
    return render_statement_page(request, get_object_or_404(_statements(request.user), pk=pk))


@login_required
@require_POST
def statement_send_view(request, pk):
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    statement = get_object_or_404(_statements(request.user), pk=pk)
    by_email = "share" not in request.POST
    form = StatementSendForm(request.POST)
    if form.is_valid():
        sent = run_service(
            form,
            lambda: statement_send(
                statement=statement,
                actor=request.user,
                emails=form.addresses() if by_email else None,
                by_email=by_email,
                base_url=request.build_absolute_uri("/")[:-1],
            ),
        )
        if sent is not None:
            statement, token = sent
            if by_email:
                messages.success(request, _("Statement %(number)s sent by e-mail.") % {"number": statement.label})
            return render_statement_page(request, statement, token=token)
    return render_statement_page(request, statement, send_form=form, status=400)


@login_required
@require_POST
def statement_resolve_view(request, pk):
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    statement = get_object_or_404(_statements(request.user), pk=pk)
    form = ResolutionForm(request.POST)
    if form.is_valid():
        made = run_service(
            form,
            lambda: statement_resolve(
                statement=statement, actor=request.user, resolution=form.cleaned_data["resolution"]
            ),
        )
        if made is not None:
            following, token = made
            messages.success(
                request,
                _("Dispute resolved: %(number)s is the statement to send the customer now.")
                % {"number": following.label},
            )
            return render_statement_page(request, following, token=token)
    return render_statement_page(request, statement, resolution_form=form, status=400)


@login_required
@permission_required("finance.view_statement", raise_exception=True)
@require_GET
def statement_file_view(request, pk, fmt):
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    statement = get_object_or_404(_statements(request.user).prefetch_related("disputes"), pk=pk)
    return statement_file_response(statement, fmt)

"""A person's API tokens: listed with when each was made, last used and expires; made and revoked here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import BootstrapForm, add_service_errors

from .selectors import api_tokens_of
from .services import TOKEN_NAME_MAX_LENGTH, api_token_issue, api_token_revoke


class ApiTokenForm(BootstrapForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=TOKEN_NAME_MAX_LENGTH,
        help_text=gettext_lazy("The client or device that will use it, e.g. “ERP sync” or “Wang's laptop”."),
    )


@login_required
def api_tokens_view(request):
    """GET: the list and the form. POST: a new token, whose key the answer shows this once (never stored)."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = api_token_issue(actor=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                add_service_errors(exc, {"": form})
        if new_key is None:
            status = 400
        else:
            form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {"tokens": api_tokens_of(user=request.user), "form": form, "new_key": new_key},
        status=status,
    )
    # The key is in this page only: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke_view(request, pk):
    token = get_object_or_404(api_tokens_of(user=request.user), pk=pk)
    try:
        api_token_revoke(actor=request.user, token=token)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")

"""Handing over the responsibility for a stage of a record (the form on the record's page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.accounts.models import User
from gendan.core.bounds import id_from
from gendan.core.errors import ApplicationError
from gendan.sales.models import Order

from .responsibility import responsibility_set

# The records whose pages offer the handover form, and where to return to.
RECORD_TYPES = {"sales.order": (Order, "sales:order_detail")}


@login_required
@require_POST
def responsibility_handover_view(request, record_type, pk):
    if record_type not in RECORD_TYPES:
        raise Http404
    model, page = RECORD_TYPES[record_type]
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    user_id = id_from(request.POST.get("user"))
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    try:
        responsibility_set(
            record=record,
            stage=request.POST.get("stage", ""),
            user=user,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Handed over to %(person)s.") % {"person": user})
    return redirect(page, pk=pk)


urlpatterns = [
    path(
        "responsibility/<str:record_type>/<int:pk>/",
        responsibility_handover_view,
        name="responsibility_handover",
    ),
]

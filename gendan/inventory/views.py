from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors, bootstrap
from gendan.core.numbers import plain_decimal
from gendan.core.tables import list_response

from .filters import StockLevelFilter, StockMoveFilter
from .forms import StockMoveForm
from .selectors import stock_level_list, stock_move_ledger
from .services import stock_move_record
from .tables import StockLevelTable, StockMoveTable


@login_required
@permission_required("inventory.view_stocklevel", raise_exception=True)
def stock_list(request):
    filterset = StockLevelFilter(request.GET, queryset=stock_level_list(), request=request)
    bootstrap(filterset.form)
    return list_response(request, StockLevelTable, filterset.qs, "inventory/stock_list.html", {"filter": filterset})


@login_required
@permission_required("inventory.view_stockmove", raise_exception=True)
def move_list(request):
    filterset = StockMoveFilter(request.GET, queryset=stock_move_ledger(user=request.user), request=request)
    bootstrap(filterset.form)
    return list_response(request, StockMoveTable, filterset.qs, "inventory/move_list.html", {"filter": filterset})


@login_required
@permission_required("inventory.add_stockmove", raise_exception=True)
def move_create(request):
    initial = {key: request.GET[key] for key in ("product", "warehouse", "kind") if key in request.GET}
    form = StockMoveForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            move = stock_move_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(kind)s of %(quantity)s × %(product)s recorded in %(warehouse)s.")
                % {
                    "kind": move.get_kind_display(),
                    "quantity": plain_decimal(move.quantity),
                    "product": move.product,
                    "warehouse": move.warehouse,
                },
            )
            return redirect(
                f"{reverse('inventory:stock_list')}?product={move.product_id}&warehouse={move.warehouse_id}"
            )
    return render(request, "inventory/move_form.html", {"form": form})

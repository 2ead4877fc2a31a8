from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors, bootstrap, run_service
from gendan.core.tables import list_response

from . import services
from .forms import ProductEditForm, ProductForm
from .lists import hidden_columns, product_filter
from .models import Product
from .tables import ProductTable


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_list_view(request):
    filterset = product_filter(request.user, request.GET, request=request)
    bootstrap(filterset.form)
    # Cost is hidden from roles without the permission, here as in the API and downloads.
    return list_response(
        request,
        ProductTable,
        filterset.qs,
        "catalog/product_list.html",
        {"filter": filterset},
        exclude=hidden_columns(request.user),
    )


def _to_list(product):
    """Back to the list, searched for the product just saved, since there is no detail page."""
    return redirect(f"{reverse('catalog:product_list')}?{urlencode({'q': product.sku})}")


@login_required
@permission_required("catalog.add_product", raise_exception=True)
def product_create(request):
    form = ProductForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Product %(sku)s created.") % {"sku": product.sku})
            return _to_list(product)
    return render(request, "catalog/product_form.html", {"form": form})


@login_required
@permission_required("catalog.change_product", raise_exception=True)
def product_edit(request, pk):
    product = get_object_or_404(Product, pk=pk)
    initial = {**model_to_dict(product), "version": product.version}
    form = ProductEditForm(request.POST if request.method == "POST" else None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        updated = run_service(
            form, lambda: services.product_update(product=product, actor=request.user, version=version, **fields)
        )
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return _to_list(updated)
    stale = getattr(form, "stale", False)
    return render(request, "catalog/product_form.html", {"form": form, "product": product, "stale": stale})

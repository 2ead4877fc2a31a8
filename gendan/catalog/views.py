from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from gendan.core.forms import bootstrap
from gendan.core.lists import paginate, sort_queryset

from .filters import ProductListFilter
from .selectors import product_list

SORTS = {"sku": "sku", "name": "name", "list_price": "list_price", "available": "available_total"}


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_list_view(request):
    filterset = ProductListFilter(request.GET, queryset=product_list(user=request.user))
    bootstrap(filterset.form)
    products, sort = sort_queryset(request, filterset.qs, SORTS, default="sku")
    return render(
        request,
        "catalog/product_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, products),
            "sort": sort,
            # Cost is hidden from roles without the permission, here as in the API and exports.
            "show_cost": request.user.has_perm("catalog.view_cost"),
        },
    )

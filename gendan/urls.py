from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from gendan.accounts.lookups import department_matches, user_matches
from gendan.catalog.lookups import product_matches
from gendan.core.lookups import lookup_view
from gendan.core.views_health import health_live, health_ready, metrics
from gendan.core.views_search import search_view
from gendan.crm.lookups import customer_matches, seller_matches
from gendan.finance.views_public import statement_public
from gendan.sales.views_public import order_status_public

urlpatterns = [
    # For load balancers, orchestrators and Prometheus (docs/DEPLOY.md): no login.
    path("health/", health_live, name="health_live"),
    path("health/ready/", health_ready, name="health_ready"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("gendan.api_urls")),
    # The home page keeps the URL name it had when core served it: core:home.
    path("", include("gendan.home.urls", namespace="core")),
    path("", include("gendan.accounts.urls")),
    path("customers/", include("gendan.crm.urls")),
    path("products/", include("gendan.catalog.urls")),
    path("stock/", include("gendan.inventory.urls")),
    path("orders/", include("gendan.sales.urls")),
    path("imports/", include("gendan.imports.urls")),
    # What a customer opens without an account: the link a rep sent them to follow their order.
    path("s/order/<str:token>/", order_status_public, name="order_status_public"),
    path("s/statement/<str:token>/", statement_public, name="statement_public"),
    path("quotations/", include("gendan.sales.urls_quotations")),
    path("work/", include("gendan.sales.urls_worklists")),
    path("approvals/", include("gendan.sales.urls_approvals")),
    path("shipments/", include("gendan.fulfillment.urls")),
    path("finance/", include("gendan.finance.urls")),
    path("", include("gendan.automation.urls")),
    path("exports/", include("gendan.core.urls")),
    path("settings/custom-fields/", include("gendan.core.views_custom_fields")),
    path("dashboard/", include("gendan.analytics.urls")),
    # What the pickers of one record among many ask as people type (core.lookups).
    # One box for every kind of record (the top bar's).
    path("search/", search_view, name="search"),
    path("lookup/customers/", lookup_view(customer_matches), name="lookup_customers"),
    path("lookup/users/", lookup_view(user_matches), name="lookup_users"),
    path("lookup/sellers/", lookup_view(seller_matches), name="lookup_sellers"),
    path("lookup/products/", lookup_view(product_matches), name="lookup_products"),
    path("lookup/departments/", lookup_view(department_matches), name="lookup_departments"),
]
# No public media route, not even with DEBUG: uploaded files (signed contracts) are served only
# through views that check the user may see the record they belong to.

# Error pages in the site's layout and the reader's language; JSON under /api/ (DEBUG off only).
handler400 = "gendan.core.views_errors.bad_request"
handler403 = "gendan.core.views_errors.permission_denied"
handler404 = "gendan.core.views_errors.page_not_found"
handler500 = "gendan.core.views_errors.server_error"

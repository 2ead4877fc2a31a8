"""The public REST API, v1. Paths and field names here are a contract with outside clients."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from gendan.accounts.api import ApiTokenViewSet, TokenObtainView
from gendan.accounts.api_saved_views import SavedViewViewSet
from gendan.analytics.api import MetricDetailView, MetricListView
from gendan.analytics.api_alerts import AlertRuleViewSet, AlertViewSet
from gendan.analytics.api_reports import SavedReportViewSet
from gendan.analytics.api_targets import ForecastView, LeaderboardView, TargetViewSet
from gendan.automation.api import FollowupsDueViewSet, NotificationViewSet, TaskViewSet, TeamOverdueViewSet
from gendan.automation.api_comments import AttachmentViewSet, CommentViewSet
from gendan.automation.api_webhooks import EventWebhookViewSet
from gendan.catalog.api import ProductViewSet
from gendan.core.api_custom_fields import CustomFieldViewSet
from gendan.core.api_search import GlobalSearchViewSet
from gendan.core.api_worklists import WorklistSummaryView
from gendan.crm.api import CustomerViewSet
from gendan.crm.api_contracts import ContractViewSet
from gendan.crm.api_followups import FollowUpViewSet, MeetingViewSet
from gendan.crm.api_pipeline import LeadViewSet, OpportunityViewSet
from gendan.finance.api import InvoiceViewSet, PaymentViewSet
from gendan.finance.api_credit_notes import CreditNoteViewSet
from gendan.finance.api_instalments import OrderInstalmentsView
from gendan.finance.api_receivables import AgeingView
from gendan.finance.api_statements import StatementViewSet
from gendan.finance.api_worklists import OrderToInvoiceViewSet, UnallocatedPaymentViewSet, UnpaidInvoiceViewSet
from gendan.fulfillment.api import ShipmentViewSet
from gendan.fulfillment.api_worklists import InTransitViewSet, OrderToShipViewSet, PendingShipmentViewSet
from gendan.imports.api import ImportViewSet
from gendan.inventory.api import StockLevelViewSet, StockMoveViewSet, WarehouseViewSet
from gendan.sales.api import OrderViewSet
from gendan.sales.api_approvals import ApprovalRuleViewSet, ApprovalViewSet
from gendan.sales.api_changes import ChangeRequestViewSet
from gendan.sales.api_quotations import QuotationViewSet
from gendan.sales.api_worklists import ApprovalInboxViewSet, OrdersAttentionViewSet, QuotationsAwaitingViewSet

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("reports", SavedReportViewSet, basename="report")
router.register("customers", CustomerViewSet, basename="customer")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("contracts", ContractViewSet, basename="contract")
router.register("leads", LeadViewSet, basename="lead")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("products", ProductViewSet, basename="product")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock-levels", StockLevelViewSet, basename="stock-level")
router.register("stock-moves", StockMoveViewSet, basename="stock-move")
router.register("orders", OrderViewSet, basename="order")
router.register("quotations", QuotationViewSet, basename="quotation")
router.register("change-requests", ChangeRequestViewSet, basename="change-request")
router.register("approval-rules", ApprovalRuleViewSet, basename="approval-rule")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")
router.register("statements", StatementViewSet, basename="statement")
router.register("payments", PaymentViewSet, basename="payment")
router.register("targets", TargetViewSet, basename="target")
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("alerts", AlertViewSet, basename="alert")
router.register("webhooks", EventWebhookViewSet, basename="webhook")
router.register("comments", CommentViewSet, basename="comment")
router.register("attachments", AttachmentViewSet, basename="attachment")
# One text over every kind of record the caller sees (the top bar's box).
router.register("search", GlobalSearchViewSet, basename="search")
router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
# Each role's worklists (GET worklists/ sums them up): read-only lists, scoped like the pages.
router.register("worklists/approvals", ApprovalInboxViewSet, basename="worklist-approvals")
router.register("worklists/orders-attention", OrdersAttentionViewSet, basename="worklist-orders-attention")
router.register("worklists/quotations-awaiting", QuotationsAwaitingViewSet, basename="worklist-quotations-awaiting")
router.register("worklists/follow-ups", FollowupsDueViewSet, basename="worklist-follow-ups")
router.register("worklists/team-overdue", TeamOverdueViewSet, basename="worklist-team-overdue")
router.register("worklists/to-ship", OrderToShipViewSet, basename="worklist-to-ship")
router.register("worklists/pending-shipments", PendingShipmentViewSet, basename="worklist-pending-shipments")
router.register("worklists/in-transit", InTransitViewSet, basename="worklist-in-transit")
router.register("worklists/to-invoice", OrderToInvoiceViewSet, basename="worklist-to-invoice")
router.register("worklists/unpaid-invoices", UnpaidInvoiceViewSet, basename="worklist-unpaid-invoices")
router.register("worklists/unallocated-payments", UnallocatedPaymentViewSet, basename="worklist-unallocated-payments")
router.register("imports", ImportViewSet, basename="import")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("worklists/", WorklistSummaryView.as_view(), name="api-worklists"),
    path("receivables/ageing/", AgeingView.as_view(), name="api-receivables-ageing"),
    path("orders/<int:pk>/instalments/", OrderInstalmentsView.as_view(), name="api-order-instalments"),
    path("metrics/", MetricListView.as_view(), name="api-metrics"),
    path("metrics/<str:name>/", MetricDetailView.as_view(), name="api-metric"),
    path("forecast/", ForecastView.as_view(), name="api-forecast"),
    path("leaderboard/", LeaderboardView.as_view(), name="api-leaderboard"),
    *router.urls,
]

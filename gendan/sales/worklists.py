"""The sellers' and approvers' worklists, registered with the navigation in SalesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from gendan.core.worklists import Worklist, register

from .selectors_worklists import approval_inbox, may_approve, orders_needing_attention, quotations_awaiting_answer


def register_worklists() -> None:
    register(
        Worklist(
            key="sales.approvals",
            label=_("Approval inbox"),
            url_name="sales_work:approvals",
            api_url_name="worklist-approvals-list",
            rows=approval_inbox,
            allowed=may_approve,
            icon="bi-patch-check",
            order=10,
        )
    )
    register(
        Worklist(
            key="sales.orders_attention",
            label=_("Orders needing attention"),
            url_name="sales_work:orders_attention",
            api_url_name="worklist-orders-attention-list",
            rows=orders_needing_attention,
            allowed=lambda user: user.has_perm("sales.add_order"),
            icon="bi-exclamation-octagon",
            order=30,
        )
    )
    register(
        Worklist(
            key="sales.quotations_awaiting",
            label=_("Quotations awaiting an answer"),
            url_name="sales_work:quotations_awaiting",
            api_url_name="worklist-quotations-awaiting-list",
            rows=quotations_awaiting_answer,
            allowed=lambda user: user.has_perm("sales.send_quotation"),
            icon="bi-hourglass-split",
            order=40,
        )
    )

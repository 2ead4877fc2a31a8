"""What the sales events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "sales.approvalrule",
        {
            "approval_rule.created": (_("Approval rule added"), _("added the approval rule")),
            "approval_rule.updated": (_("Approval rule edited"), _("edited the approval rule")),
            "approval_rule.deleted": (_("Approval rule deleted"), _("deleted the approval rule")),
        },
    )
    verbs.register_many(
        "sales.approvaldelegation",
        {
            "approval_delegation.created": (_("Approvals delegated"), _("handed approvals to a delegate")),
            "approval_delegation.ended": (_("Delegation ended"), _("ended the delegation of approvals")),
        },
    )
    verbs.register_many(
        "sales.order",
        {
            "order.created": (_("Order created"), _("created the order")),
            "order.updated": (_("Order edited"), _("edited the order")),
            "order.submitted": (_("Order submitted"), _("submitted the order")),
            "order.approval_advanced": (
                _("Order approved at one level"),
                _("approved one level of the order's approval"),
            ),
            "order.approved": (_("Order approved"), _("approved the order")),
            "order.rejected": (_("Order rejected"), _("rejected the order")),
            "order.confirmed": (_("Order confirmed"), _("confirmed the order")),
            "order.held": (_("Order put on hold"), _("put the order on hold")),
            "order.resumed": (_("Order resumed"), _("resumed the order")),
            "order.cancelled": (_("Order cancelled"), _("cancelled the order")),
            "order.partially_shipped": (_("Order partially shipped"), _("order partially shipped")),
            "order.shipped": (_("Order shipped in full"), _("order shipped in full")),
            "order.delivered": (_("Order delivered"), _("order delivered")),
            "order.paid": (_("Order paid in full"), _("order paid in full")),
            "order.closed": (_("Order closed"), _("closed the order")),
            "order.assigned": (_("Order assigned by rule"), _("assigned the order by rule")),
        },
        also_for=("crm.customer",),
    )
    verbs.register_many(
        "sales.quotation",
        {
            "quotation.created": (_("Quotation created"), _("created the quotation")),
            "quotation.updated": (_("Quotation edited"), _("edited the quotation")),
            "quotation.sent": (_("Quotation sent"), _("sent the quotation to the customer")),
            "quotation.superseded": (
                _("Quotation replaced by a new version"),
                _("replaced the quotation with a new version"),
            ),
            "quotation.accepted": (_("Quotation accepted"), _("recorded the customer's acceptance of the quotation")),
            "quotation.rejected": (_("Quotation rejected"), _("recorded the customer's rejection of the quotation")),
            "quotation.expired": (_("Quotation expired"), _("the quotation expired")),
        },
        also_for=("crm.customer", "crm.opportunity"),
    )

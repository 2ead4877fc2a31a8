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
            # Placed in the past, brought in by an import of history (sales.services_history).
            "order.imported": (_("Order imported from history"), _("imported the order from history")),
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
            # By an assignment rule (data "by": "assignment_rule") or by hand ("hand", with the old owner).
            "order.assigned": (_("Order assigned"), _("assigned the order to an owner")),
            "order.status_link_sent": (
                _("Link sent to the customer"),
                _("made a link for the customer to follow the order"),
            ),
            "order.credit_override_requested": (
                _("Credit override asked for"),
                _("asked to take the order past the customer's credit limit"),
            ),
            "order.credit_override_advanced": (
                _("Credit override approved at one level"),
                _("approved one level of the credit override"),
            ),
            "order.credit_override_approved": (_("Credit override approved"), _("approved the credit override")),
            "order.credit_override_rejected": (_("Credit override rejected"), _("rejected the credit override")),
            "order.credit_override_withdrawn": (_("Credit override withdrawn"), _("withdrew the credit override")),
            "order.credit_override_used": (
                _("Credit limit passed under an override"),
                _("took the order past the credit limit under its override"),
            ),
            "order.status_link_revoked": (_("Customer link closed"), _("closed the customer's link to the order")),
            "order.status_link_opened": (_("Customer opened the link"), _("opened the link to the order")),
            "order.change_requested": (_("Order change drafted"), _("drafted a change to the order")),
            "order.change_submitted": (
                _("Order change waiting for approval"),
                _("submitted a change to the order for approval"),
            ),
            "order.change_approval_advanced": (
                _("Order change approved at one level"),
                _("approved one level of a change to the order"),
            ),
            "order.change_approved": (_("Order change approved"), _("approved a change to the order")),
            "order.change_rejected": (_("Order change rejected"), _("rejected a change to the order")),
            "order.change_applied": (_("Order changed"), _("applied a change to the order")),
            "order.change_cancelled": (_("Order change cancelled"), _("cancelled a change to the order")),
            "order.change_stale": (
                _("Order change gone stale"),
                _("another change was applied first; this one went stale"),
            ),
            "order.change_rebased": (_("Order change rebased"), _("rebased a change onto the order's new revision")),
        },
        also_for=("crm.customer",),
    )
    verbs.register_many(
        "crm.contract",
        {
            "contract.approval_advanced": (
                _("Contract approved at one level"),
                _("approved one level of the contract's approval"),
            ),
            "contract.approved": (_("Contract approved"), _("approved the contract")),
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
            "quotation.submitted": (
                _("Quotation waiting for approval"),
                _("submitted the quotation for approval"),
            ),
            "quotation.approval_advanced": (
                _("Quotation approved at one level"),
                _("approved one level of the quotation's approval"),
            ),
            "quotation.approved": (_("Quotation approved"), _("approved the quotation")),
            "quotation.approval_rejected": (
                _("Quotation's approval refused"),
                _("refused the quotation's approval"),
            ),
        },
        also_for=("crm.customer", "crm.opportunity"),
    )

"""Reads of the approval of a quotation or a contract, for the pages where it is decided."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from .approval_rules import reason_text
from .models import ApprovalDelegation, ApprovalRequest, ApprovalStep
from .selectors import approval_steps_of

# The statuses (of a quotation or a contract) whose page shows the record's latest approval request: waiting
# for it, approved and not sent yet (a quotation), or a draft again, where it shows only if it was refused.
SHOWN_IN = {"pending_approval", "approved", "draft"}


def may_decide_request(user, approval: ApprovalRequest) -> bool:
    """Whether `user` may approve or reject `approval` now: a step of its current level waits for them, or for
    someone they stand in for today, and they did not submit it.

    One query, none when the request is decided or their own.
    """
    if approval.status != ApprovalRequest.Status.PENDING or not user.is_authenticated:
        return False
    if approval.is_submitted_by(user):
        return False
    return (
        ApprovalStep.objects.filter(request=approval, level=approval.level, decision="")
        .filter(Q(approver=user.pk) | Q(approver__in=ApprovalDelegation.objects.stood_in_for_by(user)))
        .exists()
    )


def with_latest_approval(queryset: QuerySet) -> QuerySet:
    """Quotations or contracts with `latest_approval_id`, their newest approval request, read in the same SELECT:
    the page of a record never submitted for approval spends no query on it."""
    subject = queryset.model._meta.model_name
    latest = ApprovalRequest.objects.filter(**{subject: OuterRef("pk")}).order_by("-created_at", "-id").values("pk")
    return queryset.annotate(latest_approval_id=Subquery(latest[:1]))


def approval_for_page(record, user) -> ApprovalRequest | None:
    """The approval request the page of `record` (a quotation or a contract) shows, or None.

    The one it waits for, the one that approved it (until it is sent), or on a draft the one that refused it,
    so its owner reads why before changing it. It comes with `reason_texts`, `level_rows` (each level with its
    approvers and decisions), `own` (the user submitted it) and `mine` (the user may decide it now).
    """
    if record.status not in SHOWN_IN:
        return None
    requests = ApprovalRequest.objects.select_related("requested_by", "decided_by")
    if hasattr(record, "latest_approval_id"):
        if record.latest_approval_id is None:
            return None
        approval = requests.filter(pk=record.latest_approval_id).first()
    else:
        approval = requests.filter(**{record._meta.model_name: record}).order_by("-created_at", "-id").first()
    if approval is None:
        return None
    if record.status == "draft" and approval.status != ApprovalRequest.Status.REJECTED:
        return None
    approval.reason_texts = [reason_text(reason) for reason in approval.reasons]
    approval.level_rows = approval_steps_of(approval)
    approval.own = approval.is_submitted_by(user)
    approval.mine = may_decide_request(user, approval)
    return approval

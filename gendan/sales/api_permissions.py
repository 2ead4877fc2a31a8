"""Who may use the approval endpoints at all; the services then ask for a step of the current level."""

from rest_framework.permissions import BasePermission

from .selectors_worklists import may_approve


class MayApprove(BasePermission):
    """Whoever may approve, or whom an approval rule names."""

    def has_permission(self, request, view):
        return may_approve(request.user)

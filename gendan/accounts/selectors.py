from django.db.models import QuerySet

from .models import ApiToken, User


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first; nobody lists another person's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).live()


def leader_of(user: User | None) -> User | None:
    """The leader of the user's team, or of the nearest department above that has an active one other than them.

    Whom "the team leader" means in rules and approvals: a team led by the person themselves looks
    one level up, never back to them.
    """
    if user is None or user.department_id is None:
        return None
    department = user.department
    seen = set()
    while department is not None and department.pk not in seen:
        seen.add(department.pk)
        leader = department.leader
        if leader is not None and leader.is_active and leader.pk != user.pk:
            return leader
        department = department.parent
    return None

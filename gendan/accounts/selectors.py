from django.db.models import QuerySet
from django.urls import reverse

from .models import ApiToken, SavedView, User
from .saved_views import canonical_query, link, names_for
from .saved_views import get as saved_list


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first; nobody lists another person's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).live()


def head_of(user: User | None) -> User | None:
    """The leader of the top department of the user's branch (销售部 above 华东组), if active and not them.

    Whom "the department head" means in approvals: the level above the team leader.
    """
    if user is None or user.department_id is None:
        return None
    department = user.department
    seen = set()
    while department.parent_id is not None and department.parent_id not in seen:
        seen.add(department.pk)
        department = department.parent
    leader = department.leader
    if leader is not None and leader.is_active and leader.pk != user.pk:
        return leader
    return None


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


def saved_views_of(*, user, list_name: str | None = None) -> QuerySet[SavedView]:
    """The views `user` may open: their own and those their team shares, of the lists they may read."""
    views = SavedView.objects.seen_by(user).filter(list_name__in=names_for(user))
    return views if list_name is None else views.filter(list_name=list_name)


def saved_views_menu(request, list_name: str) -> dict:
    """What a list page's "Views" menu shows (accounts/includes/saved_views_menu.html), in one query.

    The reader's views and their team's shared ones, the view the page was opened with (?view=) and
    whether its filters or columns were changed since, and the set-up "Save" would keep.
    """
    entry = saved_list(list_name)
    user = request.user
    views = list(saved_views_of(user=user, list_name=list_name).select_related("owner"))
    query = canonical_query(request.GET)
    columns = entry.table.chosen_columns(request.GET)
    active = next((view for view in views if str(view.pk) == request.GET.get("view")), None)
    for view in views:
        view.link = link(view, entry)
        view.mine = view.owner_id == user.pk
    return {
        "list_name": list_name,
        "mine": [view for view in views if view.mine],
        "team": [view for view in views if not view.mine],
        "active": active,
        "modified": active is not None and (active.query != query or active.columns != columns),
        "query": query,
        "columns": columns,
        "default_link": reverse(entry.url_name),
    }

"""People (owners, authors) and teams picked by name as people type (core.lookups): active users, departments."""

from django.db.models import Q
from django.urls import reverse_lazy

from gendan.core.lookups import LOOKUP_LIMIT, LookupInput

from .models import Department, User


def user_matches(user, query: str, *, roles=None):
    """Active users (of `roles`, if given) whose user name or name holds `query`, by user name, named as the site names them."""
    people = User.objects.filter(is_active=True)
    if roles is not None:
        people = people.filter(role__in=roles)
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    people = people.order_by("username").only("pk", "username", "first_name", "last_name")[:LOOKUP_LIMIT]
    return [(person.pk, str(person)) for person in people]


def user_label(pk: int, user) -> str | None:
    person = User.objects.filter(pk=pk).only("pk", "username", "first_name", "last_name").first()
    return str(person) if person else None


def user_picker(source=None) -> LookupInput:
    """Active users, or those `source` (another users endpoint, e.g. one role's) answers."""
    # `is None`, not `or`: the truth of a lazy URL would resolve it while the URLconf is loading.
    return LookupInput(source=reverse_lazy("lookup_users") if source is None else source, label_of=user_label)


def department_matches(user, query: str):
    """Departments and teams whose name holds `query`, by name: every reader may name them (a filter by team)."""
    teams = Department.objects.filter(name__icontains=query) if query else Department.objects.all()
    return list(teams.order_by("name", "pk").values_list("pk", "name")[:LOOKUP_LIMIT])


def department_label(pk: int, user) -> str | None:
    return Department.objects.filter(pk=pk).values_list("name", flat=True).first()


def department_picker() -> LookupInput:
    return LookupInput(source=reverse_lazy("lookup_departments"), label_of=department_label)

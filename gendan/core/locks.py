"""Locked reads of a document with its lines, in one statement.

A service that changes a document locks its row first, then works on its lines (the lock
order every service follows: parents before children, by primary key). Reading the lines
with their parent joined and locking only the parent's row (`select_for_update(of=...)`)
gives both in one round trip instead of two. On SQLite there are no row locks: the
transaction began IMMEDIATE and already holds the database's write lock.
"""

from django.db import models


def lock_with_children(children: models.QuerySet, parent: str, pk, *, related=(), child_related=(), order_by="pk"):
    """(the parent row, locked, and its children) for the parent with this pk.

    children: the children's queryset (e.g. `OrderLine.objects`); parent: their foreign key to
    the parent. related / child_related: foreign keys of the parent / of each child to bring
    joined, as select_related does. Every child hands back the same parent instance. A parent
    without children is read (and locked) on its own; a missing one raises DoesNotExist.
    """
    found = lock_many_with_children(
        children, parent, [pk], related=related, child_related=child_related, order_by=order_by
    )
    if pk not in found:
        raise children.model._meta.get_field(parent).related_model.DoesNotExist
    return found[pk]


def lock_many_with_children(
    children: models.QuerySet, parent: str, pks, *, related=(), child_related=(), order_by="pk"
):
    """lock_with_children for several parents in one statement (a batch's): {pk: (parent, children)}, the parents
    locked in the order of their pks; a missing parent is left out."""
    field = children.model._meta.get_field(parent)
    pks = sorted(set(pks))
    found: dict = {}
    for child in (
        children.select_for_update(of=(parent,))
        .select_related(parent, *(f"{parent}__{name}" for name in related), *child_related)
        .filter(**{f"{field.attname}__in": pks})
        .order_by(field.attname, order_by)
    ):
        pk = getattr(child, field.attname)
        if pk in found:
            field.set_cached_value(child, found[pk][0])
            found[pk][1].append(child)
        else:
            found[pk] = (getattr(child, parent), [child])
    if childless := [pk for pk in pks if pk not in found]:
        lonely = field.related_model.objects.select_for_update(of=("self",)).select_related(*related)
        found |= {locked.pk: (locked, []) for locked in lonely.filter(pk__in=childless).order_by("pk")}
    return found

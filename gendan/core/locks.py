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
    field = children.model._meta.get_field(parent)
    found = list(
        children.select_for_update(of=(parent,))
        .select_related(parent, *(f"{parent}__{name}" for name in related), *child_related)
        .filter(**{field.attname: pk})
        .order_by(order_by)
    )
    if not found:
        locked = field.related_model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)
        return locked, []
    locked = getattr(found[0], parent)
    for child in found[1:]:
        field.set_cached_value(child, locked)
    return locked, found

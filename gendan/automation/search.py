"""How tasks are searched (core.search): by title."""

from gendan.core.search import Searchable

from .models import Task

TASKS = Searchable(Task, scanned=("title",))

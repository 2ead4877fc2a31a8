"""Huey jobs of imports (imported by ImportsConfig.ready()): load by id, call a service, safe to run twice."""

from huey.contrib.djhuey import db_task

from .services import import_check, import_commit_run


@db_task()
def check_import(import_id: int):
    """The dry run of a file too large to check while the browser waits."""
    import_check(import_id)


@db_task()
def commit_import(import_id: int):
    """Writes every row of a checked import, or none; the progress page polls it."""
    import_commit_run(import_id)

"""Restore a backup archive into the configured database, uploaded files and secret key (docs/DEPLOY.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from gendan.core.backups import backup_restore
from gendan.core.errors import ApplicationError
from gendan.core.health import heartbeat_age


class Command(BaseCommand):
    help = "Restore a backup archive. Stop the web and worker processes first; run migrate after."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--force", action="store_true", help="restore even though a worker's heartbeat says it is running"
        )

    def handle(self, *args, archive, yes=False, force=False, **options):
        if not archive.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": archive})
        # A running worker (and, beside it, web processes) would write into the database being replaced.
        age = heartbeat_age()
        if not force and age is not None and age <= settings.WORKER_HEARTBEAT_STALE_SECONDS:
            raise CommandError(
                _(
                    "A worker was alive %(seconds)d seconds ago: stop the web and worker processes first "
                    "(or restore with --force). Nothing was changed."
                )
                % {"seconds": age}
            )
        if not yes:
            question = _(
                "This replaces the database %(database)s, the uploaded files and the secret key with the backup's. "
                "Type 'yes' to go on: "
            ) % {"database": connection.settings_dict["NAME"]}
            try:
                answer = input(question)
            except EOFError:  # no terminal to answer from: that is no answer
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled: nothing was changed."))
        try:
            manifest = backup_restore(archive)
        except ApplicationError as error:
            raise CommandError(error.message)
        self.stdout.write(
            _("Restored the backup of %(created_at)s. Run 'manage.py migrate' if this Gendan is newer than the backup.")
            % {"created_at": manifest.created_at.isoformat()}
        )

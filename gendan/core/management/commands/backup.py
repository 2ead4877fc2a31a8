"""Write one backup archive: the database, the uploaded files, the secret key and a manifest (docs/DEPLOY.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gendan.core.backups import backup_take
from gendan.core.errors import ApplicationError


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Write a backup archive (.tar.gz named with the UTC time) of the database, uploaded files and secret key."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="folder for the archive (default: BACKUP_DIR)")
        parser.add_argument("--keep", type=positive, help="then keep only the newest N archives in that folder")

    def handle(self, *args, output=None, keep=None, **options):
        try:
            archive = backup_take(output_dir=output or settings.BACKUP_DIR, keep=keep)
        except ApplicationError as error:
            raise CommandError(error.message)
        self.stdout.write(_("Backup written: %(path)s") % {"path": archive})

"""Count the metrics' daily figures now (the worker's job does it within a minute otherwise): after a bulk load that
wrote no events (bench/generate.py), or with --force after restoring a backup."""

import time

from django.core.management.base import BaseCommand

from gendan.analytics.metrics import rollups


class Command(BaseCommand):
    help = "Build the metrics' daily figures (roll-ups) not built yet, and recount what changed since."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="count every part again from all its records")

    def handle(self, *args, force=False, **options):
        started = time.perf_counter()
        built = rollups.build(force=force)
        recounted = rollups.refresh()
        self.stdout.write(
            f"built {len(built)} part(s) ({', '.join(built) or 'none'}), {recounted} touched record(s) recounted,"
            f" in {time.perf_counter() - started:.1f} s"
        )

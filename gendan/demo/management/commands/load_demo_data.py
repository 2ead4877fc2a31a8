"""Load the demo company into an empty database (`make run` calls this on every start)."""

import time

from django.core.management.base import BaseCommand, CommandError

from gendan.accounts.models import User
from gendan.demo.company import HISTORY_MONTHS, demo_password, load_demo_data


class Command(BaseCommand):
    help = "Load demo users, customers, products, stock and orders, but only into a database without users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history-months",
            type=int,
            default=HISTORY_MONTHS,
            help="Months of closed orders before the last two (default %(default)s; 0 for a quick, small demo).",
        )

    def handle(self, *args, **options):
        if User.objects.exists():
            self.stdout.write("The database already has users: demo data not loaded, nothing changed.")
            return
        password = demo_password()
        started = time.perf_counter()
        if options["history_months"] < 0:
            raise CommandError("--history-months cannot be negative.")
        made = load_demo_data(password, history_months=options["history_months"])
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded in {seconds:.1f}s: {users} users, {customers} customers, "
                "{products} products, {orders} orders.".format(seconds=time.perf_counter() - started, **made)
            )
        )

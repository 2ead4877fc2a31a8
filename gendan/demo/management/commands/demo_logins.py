"""Print the demo logins and their password (bin/serve calls this before starting the web server)."""

from django.core.management.base import BaseCommand

from gendan.accounts.models import User
from gendan.demo.company import PASSWORD_ENV, USERNAMES, known_demo_password, password_file


class Command(BaseCommand):
    help = "List the demo users with their roles and the demo password."

    def handle(self, *args, **options):
        users = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
        if not users:
            self.stdout.write("No demo users in this database.")
            return
        self.stdout.write("Logins:")
        for username in USERNAMES:
            if username in users:
                user = users[username]
                self.stdout.write(f"  {username:<11} {user.get_role_display()} · {user}")
        password = known_demo_password()
        if password is None:
            self.stdout.write(f"Password: not known here (set {PASSWORD_ENV} or look in {password_file()}).")
        # One check (Argon2 is slow on purpose) tells whether the demo password still works.
        elif users.get("admin", next(iter(users.values()))).check_password(password):
            self.stdout.write(f"Password (the same for all): {password}")
        else:
            self.stdout.write("Password: changed since the demo data was loaded.")

"""Locust users for bench/load.py: the demo company's people at work, each logged in through the login form.

Run by bench/load.py against the scaled-out set-up; on its own:
    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 10 -t 30s
with GENDAN_DEMO_PASSWORD set to the demo data's password.

Requests are named by route ("/orders/[id]/"), not by URL, so that the figures come out per endpoint.
"""

import datetime
import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("GENDAN_DEMO_PASSWORD", "demo12345")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REPS = itertools.cycle(["rep1", "rep2", "rep3"])


class DemoUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        page = self.client.get("/login/", name="/login/")
        found = CSRF_INPUT.search(page.text)
        if not found:
            raise RuntimeError("The login page has no CSRF token")
        with self.client.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1)},
            name="/login/",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            # A wrong password answers 200 with the form again: only the redirect means logged in.
            if answer.status_code != 302:
                answer.failure(f"{self.username} was not logged in ({answer.status_code})")

    def api_ids(self, path, name):
        """Ids of the first page of an API list, which the user is allowed to see."""
        answer = self.client.get(path, name=name)
        if answer.status_code != 200:
            return []
        body = answer.json()
        rows = body.get("results", []) if isinstance(body, dict) else body
        return [row["id"] for row in rows]

    def csrf_headers(self):
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"}


class SalesRep(DemoUser):
    """Browses the orders list, opens orders and customers, logs follow-ups through the API."""

    weight = 6

    def on_start(self):
        self.username = next(REPS)
        super().on_start()
        self.order_ids = self.api_ids("/api/v1/orders/", "/api/v1/orders/")
        self.customer_ids = self.api_ids("/api/v1/customers/", "/api/v1/customers/")

    @task(4)
    def orders_list(self):
        self.client.get("/orders/", name="/orders/")

    @task(1)
    def orders_list_filtered(self):
        self.client.get("/orders/?status=confirmed", name="/orders/?status=")

    @task(4)
    def order_page(self):
        if self.order_ids:
            self.client.get(f"/orders/{random.choice(self.order_ids)}/", name="/orders/[id]/")

    @task(2)
    def customer_page(self):
        if self.customer_ids:
            self.client.get(f"/customers/{random.choice(self.customer_ids)}/", name="/customers/[id]/")

    @task(1)
    def log_follow_up(self):
        if not self.customer_ids:
            return
        with self.client.post(
            "/api/v1/follow-ups/",
            json={
                "customer": random.choice(self.customer_ids),
                "kind": "call",
                "notes": "Load test call",
                "next_followup_on": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
            },
            headers=self.csrf_headers(),
            name="/api/v1/follow-ups/",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")

    @task(1)
    def worklist(self):
        self.client.get("/api/v1/worklists/", name="/api/v1/worklists/")


class SalesManager(DemoUser):
    """Reads the team's dashboards."""

    weight = 2
    username = "manager1"

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="/dashboard/")

    @task(1)
    def stages(self):
        self.client.get("/dashboard/stages/", name="/dashboard/stages/")

    @task(1)
    def leaderboard(self):
        self.client.get("/dashboard/leaderboard/", name="/dashboard/leaderboard/")

    @task(1)
    def forecast(self):
        self.client.get("/dashboard/forecast/", name="/dashboard/forecast/")


class Finance(DemoUser):
    """Works through the invoices and the receivables' ageing."""

    weight = 2
    username = "finance1"

    def on_start(self):
        super().on_start()
        self.invoice_ids = self.api_ids("/api/v1/invoices/", "/api/v1/invoices/")

    @task(3)
    def invoices_list(self):
        self.client.get("/finance/invoices/", name="/finance/invoices/")

    @task(3)
    def invoice_page(self):
        if self.invoice_ids:
            self.client.get(f"/finance/invoices/{random.choice(self.invoice_ids)}/", name="/finance/invoices/[id]/")

    @task(1)
    def ageing(self):
        self.client.get("/finance/ageing/", name="/finance/ageing/")

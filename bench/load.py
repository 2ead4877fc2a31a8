"""Load test of the scaled-out set-up on this machine: PostgreSQL, Redis, several gunicorn processes, a Huey
worker and nginx in front, driven by locust (bench/load/locustfile.py).

    .venv/bin/python bench/load.py --users 30 --run-time 60s --json bench/results/load.json

It creates a database gendan_load_<pid> on the PostgreSQL server of --database-url (migrated, demo data loaded),
starts a Redis of its own on a free port (the queue and the shared cache), N gunicorn processes on loopback
ports, M Huey workers and, when nginx is installed, nginx proxying to the gunicorn processes; without nginx
locust spreads its users over the gunicorn ports itself. Then locust runs headless for the time and users given,
the figures per endpoint are printed (and written as JSON), and everything started is stopped and the database
dropped, also on failure or Ctrl-C. Every address is on loopback.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "load-test-12345"

NGINX_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream gendan {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://gendan;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer 200 at {url} within {seconds:.0f} s")


class Processes:
    """Everything started, stopped in reverse order whatever happens."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def check(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped (exit {process.returncode}); see {self.logs / (name + '.log')}")

    def stop(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.running):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"{name} ignored SIGTERM: killed", file=sys.stderr)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def read_stats(csv_prefix: Path) -> list[dict]:
    rows = []
    with open(f"{csv_prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            rows.append(
                {
                    "method": row["Type"],
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 2),
                    "p50_ms": _ms(row["50%"]),
                    "p95_ms": _ms(row["95%"]),
                    "p99_ms": _ms(row["99%"]),
                    "max_ms": round(float(row["Max Response Time"] or 0)),
                }
            )
    return rows


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else int(float(value))


def print_table(rows: list[dict]) -> None:
    header = f"{'endpoint':<38} {'reqs':>6} {'fail':>5} {'rps':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
    print(header)
    print("-" * len(header))
    for row in rows:
        name = row["name"] if row["name"] != "Aggregated" else "ALL"
        label = f"{row['method']} {name}".strip()[:38]
        print(
            f"{label:<38} {row['requests']:>6} {row['failures']:>5} {row['rps']:>6} "
            f"{row['p50_ms'] or '-':>6} {row['p95_ms'] or '-':>6} {row['p99_ms'] or '-':>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server to create the test database on (the named database is only used to create and drop it)",
    )
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--web", type=int, default=2, help="gunicorn processes (each its own port)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers in each process")
    parser.add_argument("--huey", type=int, default=1, help="Huey worker processes")
    parser.add_argument("--no-proxy", action="store_true", help="leave nginx out even when installed")
    parser.add_argument(
        "--history-months",
        type=int,
        default=3,
        help="months of closed demo orders before the last two (load_demo_data)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()

    admin_url = args.database_url
    database = f"gendan_load_{os.getpid()}"
    database_url = admin_url.rsplit("/", 1)[0] + "/" + database
    workdir = Path(tempfile.mkdtemp(prefix="gendan-load-"))
    (workdir / "logs").mkdir()
    processes = Processes(workdir / "logs")
    # Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
    nginx = None if args.no_proxy else shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is missing: apt-get install redis-server")

    redis_port = free_port()
    web_ports = [free_port() for _ in range(args.web)]
    proxy_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "GENDAN_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "load-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "GENDAN_DEMO_PASSWORD": PASSWORD,
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
    }
    (workdir / "prometheus").mkdir()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        processes.start(
            "redis",
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            env,
        )
        started = time.monotonic()
        print(f"Database {database}: migrating and loading the demo data ...", flush=True)
        run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env)
        run([sys.executable, "manage.py", "load_demo_data", "--history-months", str(args.history_months)], env)
        run([sys.executable, "manage.py", "compile_translations"], env)
        print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)

        for index in range(args.huey):
            processes.start(
                f"huey-{index}", [sys.executable, "manage.py", "run_huey", "--workers", "2", "--max-delay", "1"], env
            )
        for index, port in enumerate(web_ports):
            processes.start(
                f"web-{index}",
                [
                    str(BIN / "gunicorn"),
                    "gendan.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(args.web_workers),
                    "--log-level",
                    "warning",
                ],
                env,
            )
        if nginx:
            prefix = workdir / "nginx"
            prefix.mkdir()
            servers = "\n".join(f"        server 127.0.0.1:{port};" for port in web_ports)
            conf = prefix / "nginx.conf"
            conf.write_text(NGINX_CONF.format(prefix=prefix, servers=servers, port=proxy_port))
            user = ["-g", "daemon off; user root;"] if os.geteuid() == 0 else ["-g", "daemon off;"]
            processes.start("nginx", [nginx, "-p", str(prefix), "-c", str(conf), *user], env)
            host = f"http://127.0.0.1:{proxy_port}"
        else:
            host = f"http://127.0.0.1:{web_ports[0]}"
        for port in web_ports:
            wait_for(f"http://127.0.0.1:{port}/health/", 60, f"gunicorn on {port}")
        # Ready means the worker's first heartbeat is in Redis too: the whole set-up answers.
        wait_for(f"{host}/health/ready/", 90, "readiness through the front")
        processes.check()

        csv_prefix = workdir / "locust"
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench/load/locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.run_time,
            "--host",
            host,
            "--csv",
            str(csv_prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
        ]
        locust_env = {**env, "GENDAN_DEMO_PASSWORD": PASSWORD}
        if not nginx:
            # Without a proxy each locust process could aim at one port only: with one, one gunicorn gets all.
            print("nginx is not installed: every user talks to the first gunicorn process", file=sys.stderr)
        print(
            f"locust: {args.users} users for {args.run_time} at {host} "
            f"({args.web} gunicorn x {args.web_workers} workers, {args.huey} Huey worker(s), "
            f"{'nginx' if nginx else 'no proxy'}) ...",
            flush=True,
        )
        with open(workdir / "logs" / "locust.log", "wb") as locust_log:
            result = subprocess.run(command, cwd=ROOT, env=locust_env, stdout=subprocess.DEVNULL, stderr=locust_log)
        processes.check()
        rows = read_stats(csv_prefix)
        print_table(rows)
        figures = {
            "set_up": {
                "database": "postgresql",
                "queue": "redis",
                "web_processes": args.web,
                "workers_per_web_process": args.web_workers,
                "huey_processes": args.huey,
                "proxy": "nginx" if nginx else None,
                "cores": os.cpu_count(),
            },
            "users": args.users,
            "run_time": args.run_time,
            "locust_exit": result.returncode,
            "endpoints": rows,
        }
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
            print(f"written: {args.json}")
        if result.returncode not in (0, 1):
            raise SystemExit(f"locust failed (exit {result.returncode}); see {workdir / 'logs' / 'locust.log'}")
    finally:
        processes.stop()
        if args.keep:
            print(f"kept: database {database}, logs in {workdir / 'logs'}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

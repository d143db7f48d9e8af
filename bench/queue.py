"""Queue benchmark: the real app under a production server, driven over HTTP on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/queue.py [--seconds 20]
        [--clients 50] [--workers 4] [--windows 10]

A fresh database `onewindow_qbench` is created on the server of DATABASE_URL (and dropped at the
end). One hall gets queue A and `--windows` open windows, each with a signed-in clerk and a staff
API token; kiosks use a kiosk token. gunicorn serves `onewindow.wsgi` with several worker
processes. Then, for `--seconds` each:

1. mixed load: `--clients` concurrent clients, of which `--windows` are windows (call next →
   start → finish, in a loop) and the rest kiosks (issue a ticket with a fresh Idempotency-Key);
2. display load: `--clients` clients reading the display feed.

Afterwards the database is checked: duplicate numbers, tickets called by two windows, and tickets
a kiosk was given that are not in the database ("lost") must all be 0. Finally the same issue and
call transactions run as raw SQL with psycopg (no HTTP, no Django) to show the database's own
limit. Prints one JSON object.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# This file is named like the standard library's `queue` module, which psycopg and others
# import: keep its own folder off the import path.
_here = str(_Path(__file__).resolve().parent)
_sys.path[:] = [p for p in _sys.path if str(_Path(p or ".").resolve()) != _here]

import argparse  # noqa: E402
import datetime  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "onewindow_qbench"
HALL = "bench"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _admin(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- set-up ------------------------------------------------------------------------------------


def set_up(windows: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from onewindow.accounts.models import User
    from onewindow.api.models import ApiToken
    from onewindow.halls import services as hall_services
    from onewindow.halls.models import Hall, Window
    from onewindow.tickets.models import Queue, WindowQueue

    hall = Hall.objects.create(code=HALL, name="压测大厅")
    queue = Queue.objects.create(
        hall=hall,
        prefix="A",
        name="自然人业务",
        kind="natural",
        issue_from=datetime.time(0, 0),
        issue_until=datetime.time(23, 59, 59),
    )

    def token(kind: str, name: str, user: Any = None) -> str:
        key = ApiToken.new_key()
        ApiToken.objects.create(
            hall=hall,
            kind=kind,
            name=name,
            user=user,
            prefix=key[:8],
            key_hash=ApiToken.hash_key(key),
        )
        return key

    clerk_group = Group.objects.get(name="clerk")
    window_info = []
    for n in range(1, windows + 1):
        window = Window.objects.create(hall=hall, number=n, kind="natural")
        WindowQueue.objects.create(window=window, queue=queue, order=0)
        clerk = User.objects.create_user(username=f"clerk{n}", hall=hall, full_name=f"受理员{n}")
        clerk.groups.add(clerk_group)
        hall_services.sign_in(window=window, clerk=clerk)
        hall_services.open_window(window=window, actor=clerk)
        window_info.append({"id": window.pk, "token": token("staff", f"clerk{n}", clerk)})
    return {
        "hall_id": hall.pk,
        "queue_id": queue.pk,
        "kiosk": token("kiosk", "kiosk"),
        "display": token("display", "display"),
        "windows": window_info,
    }


# --- load --------------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> tuple[int, Any, float]:
        headers = {"Authorization": f"Bearer {self.token}", "Host": "127.0.0.1"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    return 599, None, (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return response.status, data, elapsed


def mixed_load(port: int, setup: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    issued_codes: list[str] = []
    called: list[tuple[int, str]] = []
    lock = threading.Lock()

    def kiosk() -> None:
        c = Client(port, setup["kiosk"])
        while time.monotonic() < stop:
            status, data, ms = c.request(
                "POST",
                f"/api/v1/halls/{HALL}/tickets",
                {"queue_prefix": "A"},
                key=uuid.uuid4().hex,
            )
            with lock:
                lat["issue"].append(ms)
                if status in (200, 201) and data:
                    issued_codes.append(data["code"])
                else:
                    errors["issue"] += 1

    def window(info: dict[str, Any]) -> None:
        c = Client(port, info["token"])
        base = f"/api/v1/windows/{info['id']}"
        while time.monotonic() < stop:
            status, data, ms = c.request("POST", f"{base}/call-next", {}, key=uuid.uuid4().hex)
            with lock:
                lat["call"].append(ms)
            ticket = (data or {}).get("ticket") if isinstance(data, dict) else None
            code = ticket.get("code") if isinstance(ticket, dict) else None
            if status not in (200, 201) or not code:
                if status >= 500:
                    errors["call"] += 1
                time.sleep(0.01)  # nobody waiting
                continue
            with lock:
                called.append((info["id"], code))
            for action, body in (("start", {}), ("finish", {"outcome": "handled"})):
                status, _, ms = c.request("POST", f"{base}/{action}", body, key=uuid.uuid4().hex)
                with lock:
                    lat[action].append(ms)
                    if status not in (200, 201):
                        errors[action] += 1

    threads = [threading.Thread(target=window, args=(w,)) for w in setup["windows"]]
    threads += [threading.Thread(target=kiosk) for _ in range(max(1, clients - len(threads)))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "elapsed": elapsed,
        "lat": lat,
        "errors": dict(errors),
        "issued_codes": issued_codes,
        "called": called,
    }


def display_load(port: int, setup: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()

    def reader() -> None:
        nonlocal errors
        c = Client(port, setup["display"])
        while time.monotonic() < stop:
            status, _, ms = c.request("GET", f"/api/v1/halls/{HALL}/display")
            with lock:
                lat.append(ms)
                errors += status != 200

    threads = [threading.Thread(target=reader) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"elapsed": time.monotonic() - started, "lat": lat, "errors": errors}


# --- invariants --------------------------------------------------------------------------------


def check(issued_codes: list[str]) -> dict[str, int]:
    from django.db import connection
    from django.db.models import Count

    from onewindow.tickets.models import Ticket, TicketEvent

    connection.close()
    duplicates = (
        Ticket.objects.values("issued_queue", "day", "number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    windows_per_ticket = (
        TicketEvent.objects.filter(action="called")
        .values("ticket")
        .annotate(n=Count("window", distinct=True))
        .filter(n__gt=1)
        .count()
    )
    in_db = set(Ticket.objects.values_list("code", flat=True))
    lost = len(set(issued_codes) - in_db)
    return {"duplicates": duplicates, "double_calls": windows_per_ticket, "lost": lost}


# --- raw SQL -----------------------------------------------------------------------------------


def raw_sql(url: str, setup: dict[str, Any], clients: int, seconds: float) -> dict[str, float]:
    """The issue and call transactions as plain SQL: what the database itself can do."""
    import psycopg

    day = datetime.date(2099, 1, 1)  # its own day, apart from the HTTP run's tickets
    hall_id, queue_id = setup["hall_id"], setup["queue_id"]
    window_ids = [w["id"] for w in setup["windows"]]

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tickets_dailycounter (queue_id, day, last_number) VALUES (%s, %s, 0) "
            "ON CONFLICT DO NOTHING",
            (queue_id, day),
        )

    def issue_loop(stop: float, counts: list[int]) -> None:
        with psycopg.connect(_conninfo(url)) as conn:
            while time.monotonic() < stop:
                with conn.transaction():
                    (number,) = conn.execute(
                        "UPDATE tickets_dailycounter SET last_number = last_number + 1 "
                        "WHERE queue_id = %s AND day = %s RETURNING last_number",
                        (queue_id, day),
                    ).fetchone()
                    now = datetime.datetime.now(datetime.UTC)
                    conn.execute(
                        "INSERT INTO tickets_ticket (hall_id, issued_queue_id, queue_id, day, "
                        "number, code, status, channel, priority, priority_verified, phone, "
                        "id_number, idempotency_key, issued_at, queued_at, call_count, outcome) "
                        "VALUES (%s,%s,%s,%s,%s,%s,'waiting','api','',false,'','',%s,%s,%s,0,'')",
                        (
                            hall_id,
                            queue_id,
                            queue_id,
                            day,
                            number,
                            f"A{number:03d}",
                            uuid.uuid4().hex,
                            now,
                            now,
                        ),
                    )
                counts.append(1)

    def call_loop(stop: float, counts: list[float], window_id: int) -> None:
        with psycopg.connect(_conninfo(url)) as conn:
            while time.monotonic() < stop:
                with conn.transaction():
                    row = conn.execute(
                        "SELECT id FROM tickets_ticket WHERE queue_id = %s AND day = %s "
                        "AND status = 'waiting' ORDER BY queued_at, id LIMIT 1 "
                        "FOR UPDATE SKIP LOCKED",
                        (queue_id, day),
                    ).fetchone()
                    if row is None:
                        continue
                    # Called and finished at once, so the window is free for its next call.
                    conn.execute(
                        "UPDATE tickets_ticket SET status = 'done', window_id = %s, "
                        "call_count = 1, called_at = now(), finished_at = now() WHERE id = %s",
                        (window_id, row[0]),
                    )
                counts.append(time.monotonic())

    results = {}
    issue_counts: list[int] = []
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=issue_loop, args=(stop, issue_counts)) for _ in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["raw_issue_tps"] = round(len(issue_counts) / seconds, 1)
    # Calls drain the tickets issued above; the rate is taken up to the last successful call.
    call_counts: list[float] = []
    call_started = time.monotonic()
    stop = call_started + seconds
    threads = [
        threading.Thread(
            target=call_loop, args=(stop, call_counts, window_ids[i % len(window_ids)])
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = (max(call_counts) - call_started) if call_counts else seconds
    results["raw_call_tps"] = round(len(call_counts) / max(busy, 0.001), 1)
    return results


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--windows", type=int, default=10)
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/queue.py needs DATABASE_URL pointing at a PostgreSQL server")
    bench_url = _with_database(admin_url, BENCH_DB)
    _admin(
        admin_url,
        [f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", f"CREATE DATABASE {BENCH_DB}"],
    )
    tmp = Path(tempfile.mkdtemp(prefix="ow-qbench-"))
    env = dict(
        os.environ,
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE="onewindow.settings",
        ONEWINDOW_DATA_DIR=str(tmp),
        ONEWINDOW_SECRET_KEY="bench-secret-key-not-for-production",
        ONEWINDOW_ALLOWED_HOSTS="127.0.0.1,localhost",
        ONEWINDOW_LOG_LEVEL="WARNING",
        ONEWINDOW_SMS_BACKEND="onewindow.tickets.sms.MemoryBackend",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    server = None
    try:
        setup = set_up(args.windows)
        port = _free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [
                str(gunicorn),
                "onewindow.wsgi:application",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=str(tmp),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/api/v1/openapi.json", headers={"Host": "127.0.0.1"})
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.3)

        # Warm up: every worker loads its code (and the search index) before anything is timed.
        warm = display_load(port, setup, args.workers * args.threads, 5)
        assert warm["errors"] == 0, "display feed failed during warm-up"
        mixed = mixed_load(port, setup, args.clients, args.seconds)
        display = display_load(port, setup, args.clients, args.seconds / 2)
        invariants = check(mixed["issued_codes"])
        raw = raw_sql(bench_url, setup, args.clients, min(args.seconds, 10))
        lat = mixed["lat"]
        issue_rps = len(lat["issue"]) / mixed["elapsed"]
        call_rps = len(lat["call"]) / mixed["elapsed"]
        result = {
            "database": "postgresql",
            "clients": args.clients,
            "windows": args.windows,
            "server_workers": args.workers,
            "server_threads": args.threads,
            "seconds": args.seconds,
            "issue_rps": round(issue_rps, 1),
            "issue_p50_ms": round(_percentile(lat["issue"], 0.50), 1),
            "issue_p95_ms": round(_percentile(lat["issue"], 0.95), 1),
            "issue_p99_ms": round(_percentile(lat["issue"], 0.99), 1),
            "call_rps": round(call_rps, 1),
            "call_p50_ms": round(_percentile(lat["call"], 0.50), 1),
            "call_p95_ms": round(_percentile(lat["call"], 0.95), 1),
            "call_p99_ms": round(_percentile(lat["call"], 0.99), 1),
            "tickets_called": len(mixed["called"]),
            "display_rps": round(len(display["lat"]) / display["elapsed"], 1),
            "display_p50_ms": round(_percentile(display["lat"], 0.50), 1),
            "display_p95_ms": round(_percentile(display["lat"], 0.95), 1),
            "display_p99_ms": round(_percentile(display["lat"], 0.99), 1),
            "errors": {**mixed["errors"], "display": display["errors"]},
            **raw,
            **invariants,
        }
        result["issue_vs_raw"] = round(result["issue_rps"] / max(raw["raw_issue_tps"], 1), 3)
        result["call_vs_raw"] = round(result["call_rps"] / max(raw["raw_call_tps"], 1), 3)
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        from django.db import connections

        connections.close_all()
        _admin(admin_url, [f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"])


if __name__ == "__main__":
    main()

"""Queue benchmark: the real app under a production server, driven over HTTP on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/queue.py [--seconds 20]
        [--clients 50] [--rate 300] [--workers 3] [--threads 2] [--windows 10]

A fresh database `onewindow_qbench` is created on the server of DATABASE_URL (and dropped at the
end). One hall gets queue A and open windows, each with a signed-in clerk and a staff API token;
kiosks use a kiosk token. gunicorn serves `onewindow.wsgi` (gthread) as docs/operations.md
describes. Then, each phase for `--seconds`:

1. issue: `--clients` kiosk clients together send `--rate` ticket requests a second (each with a
   fresh Idempotency-Key), evenly paced: an open-loop load, so the latency is measured from when
   each request was due, not from when a slow server let the client send it.
2. call: `--clients` windows together send `--rate` call-next requests a second. Between two
   calls a window's citizen is served "off stage": a helper closes the called tickets in SQL
   every 20 ms, so this phase measures call-next alone (start and finish are measured in
   phase 3, over HTTP).
3. mixed: a hall at full stretch, closed loop: `--windows` windows call → start → finish over
   HTTP as fast as they can while the other clients issue tickets as fast as they can.
4. display: `--clients` readers poll the hall display's feed (what the wall screens read) as fast
   as they can; then the same for the device API's display feed.

Afterwards the database is checked: duplicate numbers, tickets called by two windows, and tickets
a kiosk was given that are not in the database ("lost") must all be 0. Finally the same issue and
call transactions run as raw SQL with psycopg (no HTTP, no Django) to show the database's own
limit. Prints one JSON object; `ok` says whether the targets of docs/operations.md are met.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# This file is named like the standard library's `queue` module, which psycopg and others
# import: keep its own folder off the import path.
_here = str(_Path(__file__).resolve().parent)
_sys.path[:] = [p for p in _sys.path if str(_Path(p or ".").resolve()) != _here]

import argparse  # noqa: E402
import contextlib  # noqa: E402
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


class Paced:
    """Open-loop pacing: client `index` of `clients` sends every `clients / rate` seconds.

    `due()` sleeps until the next send time and returns it; latency is taken from that time,
    so a server that falls behind shows its full delay (no coordinated omission).
    """

    def __init__(self, index: int, clients: int, rate: float, start: float, seconds: float):
        self.interval = clients / rate
        self.next = start + self.interval * index / clients
        self.left = max(1, round(seconds * rate / clients))  # every client sends as many

    def due(self) -> float | None:
        if self.left <= 0:
            return None
        self.left -= 1
        delay = self.next - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due, self.next = self.next, self.next + self.interval
        return due


def _issue(c: Client) -> tuple[int, Any]:
    status, data, _ms = c.request(
        "POST", f"/api/v1/halls/{HALL}/tickets", {"queue_prefix": "A"}, key=uuid.uuid4().hex
    )
    return status, data


def _code(data: Any) -> str | None:
    ticket = data.get("ticket") if isinstance(data, dict) else None
    return ticket.get("code") if isinstance(ticket, dict) else None


def issue_phase(
    port: int, setup: dict[str, Any], clients: int, rate: float, seconds: float
) -> dict[str, Any]:
    lat: list[float] = []
    codes: list[str] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def kiosk(index: int) -> None:
        nonlocal errors
        c = Client(port, setup["kiosk"])
        pace = Paced(index, clients, rate, start, seconds)
        while (due := pace.due()) is not None:
            status, data = _issue(c)
            ms = (time.perf_counter() - due) * 1000
            with lock:
                lat.append(ms)
                if status == 201 and data:
                    codes.append(data["code"])
                else:
                    errors += 1

    _run([threading.Thread(target=kiosk, args=(i,)) for i in range(clients)])
    # An overloaded server finishes the due requests late: the rate counts that time too.
    elapsed = max(seconds, time.perf_counter() - start)
    return {"lat": lat, "codes": codes, "errors": errors, "elapsed": elapsed}


def call_phase(
    port: int, url: str, setup: dict[str, Any], clients: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Windows call at `rate` in all; their citizens are served off stage.

    Between two calls a window's ticket must be finished. Finishing over HTTP would measure
    start and finish too (the mixed phase does), so one helper thread closes the called
    tickets of all windows in SQL every 20 ms, the lightest stand-in there is, and tells each
    window it is free; a window's next call is due 1/6 s later.
    """
    import psycopg

    lat: list[float] = []
    called: list[tuple[int, str]] = []
    empty = errors = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.5
    windows = setup["windows"][:clients]
    free = {w["id"]: threading.Event() for w in windows}
    done = threading.Event()

    def serve_off_stage() -> None:
        with psycopg.connect(_conninfo(url), autocommit=True) as db:
            while not done.is_set():
                rows = db.execute(
                    "UPDATE tickets_ticket SET status = 'done', started_at = now(), "
                    "finished_at = now(), outcome = 'handled' "
                    "WHERE status = 'called' AND window_id = ANY(%s) RETURNING window_id",
                    (list(free),),
                ).fetchall()
                for (window_id,) in rows:
                    free[window_id].set()
                time.sleep(0.02)

    def window(index: int, info: dict[str, Any]) -> None:
        nonlocal empty, errors
        c = Client(port, info["token"])
        pace = Paced(index, clients, rate, start, seconds)
        while (due := pace.due()) is not None:
            free[info["id"]].clear()
            status, data, _ms = c.request(
                "POST", f"/api/v1/windows/{info['id']}/call-next", {}, key=uuid.uuid4().hex
            )
            ms = (time.perf_counter() - due) * 1000
            code = _code(data)
            with lock:
                lat.append(ms)
                if status != 200:
                    errors += 1
                elif code is None:
                    empty += 1
                else:
                    called.append((info["id"], code))
            if code is not None:
                free[info["id"]].wait(5)

    helper = threading.Thread(target=serve_off_stage)
    helper.start()
    try:
        _run([threading.Thread(target=window, args=(i, w)) for i, w in enumerate(windows)])
    finally:
        done.set()
        helper.join()
    elapsed = max(seconds, time.perf_counter() - start)
    return {"lat": lat, "called": called, "empty": empty, "errors": errors, "elapsed": elapsed}


def mixed_phase(
    port: int, setup: dict[str, Any], clients: int, windows: int, seconds: float
) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    codes: list[str] = []
    called: list[tuple[int, str]] = []
    lock = threading.Lock()

    def kiosk() -> None:
        c = Client(port, setup["kiosk"])
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, data = _issue(c)
            with lock:
                lat["issue"].append((time.perf_counter() - started) * 1000)
                if status == 201 and data:
                    codes.append(data["code"])
                else:
                    errors["issue"] += 1

    def window(info: dict[str, Any]) -> None:
        c = Client(port, info["token"])
        base = f"/api/v1/windows/{info['id']}"
        while time.monotonic() < stop:
            status, data, ms = c.request("POST", f"{base}/call-next", {}, key=uuid.uuid4().hex)
            code = _code(data)
            with lock:
                lat["call"].append(ms)
                if status != 200:
                    errors["call"] += 1
            if code is None:
                time.sleep(0.01)  # nobody waiting
                continue
            with lock:
                called.append((info["id"], code))
            for action, body in (("start", {}), ("finish", {"outcome": "handled"})):
                status, _, ms = c.request("POST", f"{base}/{action}", body, key=uuid.uuid4().hex)
                with lock:
                    lat[action].append(ms)
                    if status != 200:
                        errors[action] += 1

    # Windows of their own, apart from the call phase's (which may still hold a ticket).
    own = setup["windows"][-windows:]
    threads = [threading.Thread(target=window, args=(w,)) for w in own]
    threads += [threading.Thread(target=kiosk) for _ in range(max(1, clients - len(threads)))]
    started = time.monotonic()
    _run(threads)
    return {
        "elapsed": time.monotonic() - started,
        "lat": lat,
        "errors": dict(errors),
        "codes": codes,
        "called": called,
    }


def display_phase(port: int, token: str, path: str, clients: int, seconds: float) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()

    def reader() -> None:
        nonlocal errors
        c = Client(port, token)
        while time.monotonic() < stop:
            status, _, ms = c.request("GET", path)
            with lock:
                lat.append(ms)
                errors += status != 200

    started = time.monotonic()
    _run([threading.Thread(target=reader) for _ in range(clients)])
    return {"elapsed": time.monotonic() - started, "lat": lat, "errors": errors}


def server_command(kind: str, port: int, workers: int, threads: int) -> list[str]:
    """The app server as docs/operations.md runs it (gunicorn), or another for comparison."""
    bin_dir = Path(sys.executable).parent
    app = "onewindow.wsgi:application"
    if kind == "granian":
        return [
            str(bin_dir / "granian"),
            *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--blocking-threads", str(threads)),
            *("--backlog", "2048", "--log-level", "warning", "--no-access-log", app),
        ]
    if kind == "uwsgi":
        return [
            str(bin_dir / "uwsgi"),
            *("--http-socket", f"127.0.0.1:{port}", "--module", app, "--master"),
            *("--processes", str(workers), "--threads", str(threads), "--lazy-apps"),
            *("--listen", "1024", "--disable-logging", "--die-on-term", "--need-app"),
        ]
    if kind == "gunicorn-sync":  # one request at a time per process, no keep-alive
        return [
            str(bin_dir / "gunicorn"),
            *(app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            *("--backlog", "2048", "--log-level", "warning"),
        ]
    return [
        str(bin_dir / "gunicorn"),
        app,
        *("--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)),
        *("--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"),
    ]


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the app server's processes, PostgreSQL's (Linux /proc) and
    this load generator. Per request, a cost that does not depend on how busy the machine is.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    own = os.times()
    used = {"app": 0.0, "db": 0.0, "bench": own.user + own.system}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        app = b"gunicorn" in cmd or b"granian" in cmd or b"uwsgi" in cmd
        kind = "app" if app else "db" if b"postgres" in cmd else None
        if kind:
            fields = stat[stat.rindex(")") + 2 :].split()
            used[kind] += (int(fields[11]) + int(fields[12])) / ticks
    return used


def cpu_per_request(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    return {k: round((after[k] - before[k]) * 1000 / max(n, 1), 2) for k in before}


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def top_up(url: str, setup: dict[str, Any], n: int) -> None:
    """Make sure at least `n` tickets wait in queue A (raw SQL, numbered by the counter)."""
    import psycopg

    day = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    with psycopg.connect(_conninfo(url)) as conn:
        (waiting,) = conn.execute(
            "SELECT count(*) FROM tickets_ticket WHERE queue_id = %s AND day = %s "
            "AND status = 'waiting'",
            (setup["queue_id"], day),
        ).fetchone()
        missing = n - waiting
    if missing > 0:
        _add_waiting(url, setup, day, missing)
    analyze(url)


def _add_waiting(url: str, setup: dict[str, Any], day: datetime.date, missing: int) -> None:
    import psycopg

    with psycopg.connect(_conninfo(url)) as conn:
        conn.execute(
            "INSERT INTO tickets_dailycounter (queue_id, day, last_number) VALUES (%s, %s, 0) "
            "ON CONFLICT DO NOTHING",
            (setup["queue_id"], day),
        )
        (last,) = conn.execute(
            "UPDATE tickets_dailycounter SET last_number = last_number + %s "
            "WHERE queue_id = %s AND day = %s RETURNING last_number",
            (missing, setup["queue_id"], day),
        ).fetchone()
        now = datetime.datetime.now(datetime.UTC)  # arrival times a millisecond apart
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO tickets_ticket (hall_id, issued_queue_id, queue_id, day, number, "
                "code, status, channel, priority, priority_verified, phone, id_number, "
                "idempotency_key, issued_at, queued_at, call_count, outcome) VALUES "
                "(%s,%s,%s,%s,%s,%s,'waiting','api','',false,'','','',%s,%s,0,'')",
                [
                    (
                        setup["hall_id"],
                        setup["queue_id"],
                        setup["queue_id"],
                        day,
                        number,
                        f"A{number:03d}",
                        now - datetime.timedelta(milliseconds=last - number),
                        now - datetime.timedelta(milliseconds=last - number),
                    )
                    for number in range(last - missing + 1, last + 1)
                ],
            )


def seed_history(url: str, setup: dict[str, Any], days: int, per_day: int) -> int:
    """Earlier days' finished tickets (with their call events), as a hall in use has.

    Query plans and index sizes then look like production, not like an empty table.
    """
    import psycopg

    window_ids = [w["id"] for w in setup["windows"]]
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tickets_ticket (hall_id, issued_queue_id, queue_id, day, number, code, "
            "status, channel, priority, priority_verified, phone, id_number, idempotency_key, "
            "issued_at, queued_at, first_called_at, called_at, started_at, finished_at, "
            "window_id, call_count, outcome) "
            "SELECT %(hall)s, %(queue)s, %(queue)s, d::date, n, 'A' || lpad(n::text, 3, '0'), "
            "'done', 'kiosk', '', false, '', '', '', t, t, t + interval '10 min', "
            "t + interval '10 min', t + interval '11 min', t + interval '19 min', "
            "(%(windows)s::bigint[])[1 + n %% %(nwin)s], 1, 'handled' "
            "FROM generate_series(current_date - %(days)s, current_date - 1, interval '1 day') d, "
            "generate_series(1, %(per_day)s) n, "
            "LATERAL (SELECT d + interval '1 hour' + n * interval '10 second' AS t) x",
            {
                "hall": setup["hall_id"],
                "queue": setup["queue_id"],
                "windows": window_ids,
                "nwin": len(window_ids),
                "days": days,
                "per_day": per_day,
            },
        )
        conn.execute(
            "INSERT INTO tickets_ticketevent (ticket_id, action, at, window_id, reason, data) "
            "SELECT id, 'called', called_at, window_id, '', '{}'::jsonb FROM tickets_ticket "
            "WHERE status = 'done'"
        )
    analyze(url)
    return days * per_day


def analyze(url: str) -> None:
    """Vacuum and fresh statistics after a bulk load, as autovacuum would do within a minute
    (and then not in the middle of a timed phase)."""
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # Write the bulk load out now, not during a timed phase (needs a superuser).
        with contextlib.suppress(psycopg.Error):
            conn.execute("CHECKPOINT")


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


TARGETS = {"issue_rps": 300, "call_rps": 300, "p95_ms": 100, "display_rps": 1000, "clients": 50}


def _lat(values: list[float], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}_p50_ms": round(_percentile(values, 0.50), 1),
        f"{prefix}_p95_ms": round(_percentile(values, 0.95), 1),
        f"{prefix}_p99_ms": round(_percentile(values, 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=300, help="issue req/s (open loop)")
    parser.add_argument("--call-rate", type=float, help="call-next req/s (default: --rate)")
    parser.add_argument(
        "--server", choices=["gunicorn", "gunicorn-sync", "granian", "uwsgi"], default="gunicorn"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--windows", type=int, default=10, help="windows in the mixed phase")
    parser.add_argument("--history-days", type=int, default=30, help="earlier days of tickets")
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
        setup = set_up(args.clients + args.windows)
        history = seed_history(bench_url, setup, args.history_days, 2000)
        port = _free_port()
        server = subprocess.Popen(
            server_command(args.server, port, args.workers, args.threads), env=env, cwd=str(tmp)
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

        feed = f"/display/{HALL}/feed.json"
        api_feed = f"/api/v1/halls/{HALL}/display"
        # Warm up: every worker thread loads its code and opens its connection before timing.
        warm = display_phase(port, setup["display"], feed, args.workers * args.threads * 2, 3)
        assert warm["errors"] == 0, "display feed failed during warm-up"
        issue_phase(port, setup, args.clients, args.rate / 4, 2)

        cpu0 = cpu_seconds()
        issued = issue_phase(port, setup, args.clients, args.rate, args.seconds)
        issue_cpu = cpu_per_request(cpu0, cpu_seconds(), len(issued["lat"]))
        top_up(bench_url, setup, int((args.call_rate or args.rate) * args.seconds * 1.2))
        call_rate = args.call_rate or args.rate
        cpu0 = cpu_seconds()
        calls = call_phase(port, bench_url, setup, args.clients, call_rate, args.seconds)
        call_cpu = cpu_per_request(cpu0, cpu_seconds(), len(calls["lat"]))
        mixed = mixed_phase(port, setup, args.clients, args.windows, args.seconds)
        display = display_phase(port, setup["display"], feed, args.clients, args.seconds / 2)
        display_api = display_phase(
            port, setup["display"], api_feed, args.clients, args.seconds / 4
        )
        invariants = check(issued["codes"] + mixed["codes"])
        codes_called = [code for _window, code in calls["called"] + mixed["called"]]
        invariants["double_calls"] += len(codes_called) - len(set(codes_called))
        raw = raw_sql(bench_url, setup, args.clients, min(args.seconds, 10))
        lat = mixed["lat"]
        result: dict[str, Any] = {
            "database": "postgresql",
            "server": f"{args.server} {args.workers}x{args.threads}",
            "clients": args.clients,
            "seconds": args.seconds,
            "rate": args.rate,
            "call_rate": call_rate,
            "history_tickets": history,
            "issue_offered_rps": args.rate,
            "issue_rps": round(len(issued["lat"]) / issued["elapsed"], 1),
            **_lat(issued["lat"], "issue"),
            "issue_errors": issued["errors"],
            "issue_cpu_ms": issue_cpu,
            "call_offered_rps": call_rate,
            "call_rps": round(len(calls["lat"]) / calls["elapsed"], 1),
            **_lat(calls["lat"], "call"),
            "call_errors": calls["errors"],
            "call_cpu_ms": call_cpu,
            "call_empty": calls["empty"],
            "mixed_windows": args.windows,
            "mixed_issue_rps": round(len(lat["issue"]) / mixed["elapsed"], 1),
            **_lat(lat["issue"], "mixed_issue"),
            "mixed_call_rps": round(len(lat["call"]) / mixed["elapsed"], 1),
            **_lat(lat["call"], "mixed_call"),
            "mixed_start_finish_rps": round(
                (len(lat["start"]) + len(lat["finish"])) / mixed["elapsed"], 1
            ),
            "mixed_errors": mixed["errors"],
            "display_rps": round(len(display["lat"]) / display["elapsed"], 1),
            **_lat(display["lat"], "display"),
            "display_api_rps": round(len(display_api["lat"]) / display_api["elapsed"], 1),
            **_lat(display_api["lat"], "display_api"),
            "display_errors": display["errors"] + display_api["errors"],
            **raw,
            **invariants,
        }
        result["ok"] = (
            args.clients >= TARGETS["clients"]
            # Offered at the target rate, and the server kept up (the last answers of a phase
            # arrive a few milliseconds after its last second).
            and args.rate >= TARGETS["issue_rps"]
            and call_rate >= TARGETS["call_rps"]
            and result["issue_rps"] >= 0.99 * args.rate
            and result["call_rps"] >= 0.99 * call_rate
            and result["issue_p95_ms"] <= TARGETS["p95_ms"]
            and result["call_p95_ms"] <= TARGETS["p95_ms"]
            and result["display_rps"] >= TARGETS["display_rps"]
            and result["issue_errors"] == result["call_errors"] == result["call_empty"] == 0
            and result["display_errors"] == 0
            and invariants["duplicates"] == invariants["double_calls"] == invariants["lost"] == 0
        )
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

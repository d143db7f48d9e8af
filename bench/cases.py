"""Cases benchmark: full case lifecycles through the service layer, and the reviewer's work queue
and the public tracking page over HTTP, with 100,000 cases in a PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow_cbench python bench/cases.py
        [--fresh] [--cases 100000] [--lifecycles 400] [--processes 3] [--threads 2]
        [--requests 200] [--clients 4] [--worklist-rate 2] [--tracking-rate 5]
        [--workers 3] [--server-threads 2] [--skip-lifecycles] [--skip-http]

The database named in DATABASE_URL belongs to the benchmark: it is migrated, set up and seeded
on the first run and reused by later ones (seeding 100,000 cases takes two to three minutes);
`--fresh` empties it first. A database holding cases the benchmark did not make is refused.

Set-up: the demo installation (`onewindow.demo.setup_demo`: the real district catalog, the
fully written demo items with their scenarios, materials, review points and signed delegation
agreements, two halls), a clerk and a certificate clerk per hall, three reviewers per
department. Seeding writes the rows the services would have written, with COPY: cases of the 28
demo items of 14 departments in both halls, received over the last `--days` days, each taken
through a simulated timeline (one-time notices, corrections and special procedures with their
pauses, decisions, results, deliveries) up to now, so most are closed and the recent ones stand
at whatever step they have reached. The largest department (区行政审批局, 45 % of the cases)
also has a backlog of stalled cases, so its reviewers' work queue holds thousands. Materials and
events per case follow from the catalog's material lists (about 6 and 12).

Then:

1. lifecycles: `--processes` × `--threads` workers (the front desk, back office and certificate
   window of several halls at once) run `--lifecycles` cases through `cases.services` as fast as
   they can: start_intake → check_materials (全部收齐: the whole checklist at once, as the
   intake page's button does) → accept_case → claim_case → decide (approve) → issue_result →
   deliver_result (electronic or at the window, alternately).
   Reported: the sustained rate, SQL statements per lifecycle (without BEGIN/COMMIT, an
   executemany counted once; every service call is one transaction) and the CPU per
   lifecycle of the workers and of their PostgreSQL backends (from /proc), which is steadier
   than the rate on a shared machine.
2. worklist: gunicorn serves the app (gthread, as docs/operations.md runs it); `--clients`
   reviewers of the largest department, logged in, load /cases/review/ together at
   `--worklist-rate` a second (open loop: latency counts from when a load was due).
3. tracking: `--clients` citizens look up random cases on /track/ with their number and
   tracking code at `--tracking-rate` lookups a second: the POST, then the case page it
   redirects to; the latency is the two together (each part is reported too).

Prints one JSON object; `ok` says whether the targets of docs/operations.md are met.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/queue.py is named like the standard library's `queue`, which psycopg imports: keep this
# folder off the import path.
_here = str(_Path(__file__).resolve().parent)
_sys.path[:] = [p for p in _sys.path if str(_Path(p or ".").resolve()) != _here]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import zoneinfo  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261128
PASSWORD = "bench-password-2026"
MARKER = "bench-cases"  # username of the account that marks a database as the benchmark's
BIG_DEPARTMENT = "区行政审批局"
TARGETS = {"lifecycles_per_s": 100, "worklist_p95_ms": 200, "tracking_p95_ms": 200}


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _lat(values: list[float], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}_p50_ms": round(_percentile(values, 0.50), 1),
        f"{prefix}_p95_ms": round(_percentile(values, 0.95), 1),
        f"{prefix}_max_ms": round(max(values, default=0.0), 1),
    }


# --- the database ---------------------------------------------------------------------------


def prepare_database(url: str, fresh: bool) -> None:
    """Empty the database on --fresh; refuse one with cases the benchmark did not make."""
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        has_cases = conn.execute("SELECT to_regclass('cases_case') IS NOT NULL").fetchone()[0]
        ours = False
        if has_cases:
            ours = bool(
                conn.execute(
                    "SELECT 1 FROM accounts_user WHERE username = %s", (MARKER,)
                ).fetchone()
            )
            others = conn.execute("SELECT EXISTS (SELECT 1 FROM cases_case)").fetchone()[0]
            if others and not ours and not fresh:
                raise SystemExit(
                    "bench/cases.py: this database holds cases that are not the benchmark's; "
                    "point DATABASE_URL at a database of its own (or pass --fresh to empty it)"
                )
        if fresh:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")


def analyze(url: str) -> None:
    """Vacuum and fresh statistics after a bulk load, as autovacuum would do within a minute."""
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        with contextlib.suppress(psycopg.Error):  # needs a superuser
            conn.execute("CHECKPOINT")  # the load is on disk before anything is timed


def prewarm(url: str) -> int:
    """Read the database's tables and indexes into the operating system's cache, as a server
    that has been running for a while holds them (the whole database is a few hundred MB).

    Without it the pages' first lookups measure the disk: on the development VM the host
    reclaims the page cache between runs, and a cold run's tracking p95 went from about 25 ms
    to about 280 ms. Returns the megabytes read (0 when pg_prewarm is not available).
    """
    import psycopg

    try:
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            (blocks,) = conn.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            ).fetchone()
    except psycopg.Error:
        return 0
    return int(blocks) * 8 // 1024


# --- set-up -----------------------------------------------------------------------------------


def set_up() -> dict[str, Any]:
    """The demo installation plus the benchmark's staff; idempotent."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from onewindow.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.filter(username=MARKER).exists():
        from onewindow.demo import setup_demo

        setup_demo()
        password = make_password(PASSWORD)  # hashed once: every bench account shares it
        from onewindow.catalog.models import Department
        from onewindow.halls.models import Hall

        groups = {g.name: g for g in Group.objects.all()}
        for hall in Hall.objects.order_by("pk"):
            for role, prefix in (("clerk", "clerk"), ("certificate_clerk", "cert")):
                user, _ = User.objects.get_or_create(
                    username=f"bench-{prefix}-{hall.code}",
                    defaults={"full_name": f"压测{hall.name[:4]}{prefix}", "hall": hall},
                )
                user.password = password
                user.save()
                user.groups.set([groups[role]])
        for department in Department.objects.filter(items__versions__isnull=False).distinct():
            for k in range(1, 4):
                user, _ = User.objects.get_or_create(
                    username=f"bench-reviewer-{department.pk}-{k}",
                    defaults={"full_name": f"审批员{department.pk}-{k}", "department": department},
                )
                user.password = password
                user.save()
                user.groups.set([groups["reviewer"]])
        User.objects.create(username=MARKER, full_name="压测标记", is_active=False)
    _ensure_next_year()
    return catalog_plan()


def _ensure_next_year() -> None:
    """Late in the year, lifecycles' dates reach next year: enter it if the library lacks it
    (as the administrator does each winter), so no step fails on an unknown calendar year."""
    from django.utils import timezone

    from onewindow.core import services as core_services
    from onewindow.core.calendar import WorkingCalendar

    year = timezone.localdate().year + 1
    if not WorkingCalendar().is_known_year(year):
        core_services.add_calendar_year(year=year, actor=None, note="benchmark")


def catalog_plan() -> dict[str, Any]:
    """The demo items with materials, their pinned versions, and who handles them."""
    from django.db.models import Count
    from django.utils import timezone

    from onewindow.accounts.models import User
    from onewindow.catalog.models import Delegation, ItemVersion, Power, ServiceItem
    from onewindow.halls.models import Hall

    today = timezone.localdate()
    effective: dict[int, set[str]] = {}
    for item_id, power in Delegation.objects.effective_on(today).values_list("item_id", "power"):
        effective.setdefault(item_id, set()).add(power)
    items = []
    for item in (
        ServiceItem.objects.published()
        .filter(one_window=True, confidential=False)
        .annotate(n=Count("scenarios__materials"))
        .filter(n__gt=0)
        .select_related("department")
        .order_by("pk")
    ):
        version = ItemVersion.objects.filter(item=item).order_by("-number").first()
        if version is None:
            continue
        scenarios = [
            {
                "code": s["code"],
                "name": s.get("name", ""),
                "limit": s.get("promised_limit_days") or item.promised_limit_days or 0,
                "materials": [
                    {
                        "code": m.get("code", ""),
                        "name": m.get("name", ""),
                        "required": bool(m.get("required", True)),
                        "may_defer": bool(m.get("may_defer", False)),
                        "originals": int(m.get("originals") or 0),
                        "copies": int(m.get("copies") or 0),
                    }
                    for m in s.get("materials", [])
                ],
            }
            for s in version.snapshot.get("scenarios", [])
            if s.get("materials")
        ]
        if not scenarios:
            continue
        powers = effective.get(item.pk, set())
        items.append(
            {
                "id": item.pk,
                "name": item.name,
                "department_id": item.department_id,
                "department": item.department.name,
                "version_id": version.pk,
                "version": version.number,
                "statutory": item.statutory_limit_days,
                "restart": item.correction_clock == "restart",
                "certificate": item.result_type == "certificate",
                "result_name": item.result_name or item.name,
                "issuer": item.implementing_body or item.department.name,
                "audience": item.audience,
                "scenarios": scenarios,
                # Every front-desk action of the loop: receive, verify originals, accept (under
                # the department's account) and deliver.
                "lifecycle": {
                    Power.RECEIVE,
                    Power.VERIFY_ORIGINAL,
                    Power.ACCOUNT_USE,
                    Power.DELIVER_RESULT,
                }
                <= powers,
            }
        )
    users = {u.username: u.pk for u in User.objects.filter(username__startswith="bench-")}
    halls = [{"id": h.pk, "code": h.code} for h in Hall.objects.order_by("pk")]
    reviewers: dict[int, list[int]] = {}
    for username, pk in users.items():
        if username.startswith("bench-reviewer-"):
            reviewers.setdefault(int(username.split("-")[2]), []).append(pk)
    big = next((i["department_id"] for i in items if i["department"] == BIG_DEPARTMENT), None)
    return {
        "items": items,
        "halls": halls,
        "clerks": {h["id"]: users[f"bench-clerk-{h['code']}"] for h in halls},
        "certificate_clerks": {h["id"]: users[f"bench-cert-{h['code']}"] for h in halls},
        "reviewers": reviewers,
        "reviewer_names": {d: [f"bench-reviewer-{d}-{k}" for k in range(1, 4)] for d in reviewers},
        "big_department": big or items[0]["department_id"],
    }


# --- seeding ----------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩"
COMPANIES = ["广安{}商贸有限公司", "广安市{}餐饮店", "四川{}建设工程有限公司", "广安区{}农业合作社"]


def person_id(rng: random.Random) -> str:
    from onewindow.core.validators import id_check_char

    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 55))
    first17 = f"511602{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def credit_code(rng: random.Random) -> str:
    from onewindow.core.validators import uscc_check_char

    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91511602" + "".join(rng.choice(chars) for _ in range(9))
    return first17 + uscc_check_char(first17)


def applicant(rng: random.Random, audience: str) -> dict[str, Any]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    if audience != "natural" and (audience == "legal" or rng.random() < 0.3):
        agent = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        return {
            "applicant_kind": "organisation",
            "applicant_name": rng.choice(COMPANIES).format(rng.choice(GIVEN) + rng.choice(GIVEN)),
            "id_type": "",
            "id_number": "",
            "credit_code": credit_code(rng),
            "legal_representative": name,
            "phone": phone,
            "agent_name": agent,
            "agent_id_number": person_id(rng),
            "agent_phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
        }
    return {
        "applicant_kind": "person",
        "applicant_name": name,
        "id_type": "resident_id",
        "id_number": person_id(rng),
        "credit_code": "",
        "legal_representative": "",
        "phone": phone,
        "agent_name": "",
        "agent_id_number": "",
        "agent_phone": "",
    }


class Seeder:
    """Builds case rows the way the services would have written them, cut off at `now`."""

    def __init__(self, plan: dict[str, Any], days: int, now: datetime.datetime) -> None:
        from onewindow.core.calendar import WorkingCalendar

        self.plan = plan
        self.now = now
        self.tz = zoneinfo.ZoneInfo("Asia/Shanghai")
        self.today = now.astimezone(self.tz).date()
        self.calendar = WorkingCalendar()
        first = self.today - datetime.timedelta(days=days)
        known = self.calendar.known_years()
        self.days = [
            first + datetime.timedelta(days=k)
            for k in range(days + 1)
            if (first + datetime.timedelta(days=k)).year in known
        ]
        # Halls also open at weekends, with fewer applicants.
        self.day_weights = [1.0 if self.calendar.is_workday(d) else 0.15 for d in self.days]
        items = plan["items"]
        big = [i for i in items if i["department_id"] == plan["big_department"]]
        rest = [i for i in items if i["department_id"] != plan["big_department"]]
        # The largest department takes about 45 % of the cases.
        self.items = big + rest
        self.item_weights = [0.45 / len(big)] * len(big) + [0.55 / len(rest)] * len(rest)
        self.counters: dict[datetime.date, int] = {}

    def at(self, day: datetime.date, rng: random.Random, start: int = 9, end: int = 17) -> Any:
        minutes = rng.randrange((end - start) * 60)
        local = datetime.datetime.combine(day, datetime.time(start), self.tz)
        return local + datetime.timedelta(minutes=minutes)

    def later(self, day: datetime.date, working_days: int) -> datetime.date:
        return self.calendar.add_working_days(day, working_days)

    def case(self, rng: random.Random, case_id: int) -> dict[str, Any]:  # noqa: C901, PLR0912, PLR0915
        from onewindow.cases import clock

        item = rng.choices(self.items, self.item_weights)[0]
        scenario = rng.choice(item["scenarios"])
        day = rng.choices(self.days, self.day_weights)[0]
        hall = self.plan["halls"][0 if rng.random() < 0.85 else 1]
        clerk = self.plan["clerks"][hall["id"]]
        certificate_clerk = self.plan["certificate_clerks"][hall["id"]]
        reviewer = rng.choice(self.plan["reviewers"][item["department_id"]])
        big = item["department_id"] == self.plan["big_department"]
        received_at = self.at(day, rng)
        number_in_day = self.counters[day] = self.counters.get(day, 0) + 1
        number = f"{day:%Y%m%d}{number_in_day:05d}"
        limit = scenario["limit"]
        row: dict[str, Any] = {
            "id": case_id,
            "number": number,
            "tracking_code": f"{rng.randrange(10**6):06d}",
            "hall_id": hall["id"],
            "item_id": item["id"],
            "item_version_id": item["version_id"],
            "department_id": item["department_id"],
            "scenario_code": scenario["code"],
            "scenario_name": scenario["name"],
            "channel": "window",
            "status": "received",
            **applicant(rng, item["audience"]),
            "address": "广安市广安区" + rng.choice(["北辰街道", "浓洄街道", "协兴镇", "枣山街道"]),
            "promised_limit_days": limit,
            "statutory_limit_days": item["statutory"],
            "correction_restarts": item["restart"],
            "received_at": received_at,
            "visits": 1,
            "received_by_id": clerk,
        }
        events: list[dict[str, Any]] = []
        notices: list[dict[str, Any]] = []
        pauses: list[dict[str, Any]] = []
        status = "received"

        def event(at: Any, action: str, to: str, actor: int | None, **extra: Any) -> bool:
            """Record a step if it happened by now; False once the timeline passes `now`."""
            nonlocal status
            if at > self.now:
                return False
            events.append(
                {
                    "case_id": case_id,
                    "action": action,
                    "from_status": status,
                    "to_status": to,
                    "at": at,
                    "actor_id": actor,
                    "power": extra.get("power", ""),
                    "note": extra.get("note", ""),
                    "data": json.dumps(extra.get("data", {}), ensure_ascii=False),
                }
            )
            status = to
            return True

        materials = [
            {
                "case_id": case_id,
                "code": m["code"],
                "name": m["name"],
                "required": m["required"],
                "may_defer": m["may_defer"],
                "originals_needed": m["originals"],
                "copies_needed": m["copies"],
                "state": "missing",
                "paper": False,
                "electronic": False,
                "copies": 0,
                "original_verified": False,
                "verified_by_id": None,
                "deferred_until": None,
                "reason": "",
                "sort_order": k,
            }
            for k, m in enumerate(scenario["materials"])
        ]
        result: dict[str, Any] | None = None
        delivery: dict[str, Any] | None = None

        def finish() -> dict[str, Any]:
            row["status"] = status
            if status in ("accepted", "in_review", "correction", "special") or row.get(
                "accepted_on"
            ):
                row["due_on"] = clock.due_date(
                    started_on=row["accepted_on"],
                    limit_days=limit,
                    pauses=[
                        clock.Pause(
                            kind=p["kind"],
                            started_on=p["started_on"],
                            ended_on=p["ended_on"],
                            restart=p["restart"],
                        )
                        for p in pauses
                    ],
                    calendar=self.calendar,
                )
            return {
                "case": row,
                "materials": materials,
                "events": events,
                "notices": notices,
                "pauses": pauses,
                "result": result,
                "delivery": delivery,
            }

        event(received_at, "case.received", "received", clerk, power="receive")
        step = received_at
        noticed = rng.random() < 0.12
        wrong = rng.randrange(len(materials)) if noticed else -1
        for k, m in enumerate(materials):
            step += datetime.timedelta(minutes=rng.randint(1, 3))
            if step > self.now:
                return finish()
            verify = m["originals_needed"] > 0
            before = m["state"]
            if k == wrong:
                m.update(state="wrong", paper=True, reason="缺少申请人签字")
            else:
                m.update(
                    state="received",
                    paper=True,
                    electronic=rng.random() < 0.3,
                    copies=m["copies_needed"],
                    original_verified=verify,
                    verified_by_id=clerk if verify else None,
                )
            event(
                step,
                "case.material.checked",
                "received",
                clerk,
                power="verify_original" if verify and k != wrong else "",
                data={"material": m["code"], "from": before, "to": m["state"]},
            )
        if rng.random() < 0.02:  # 不予受理
            step += datetime.timedelta(minutes=5)
            if event(
                step, "case.refused", "refused", clerk, power="receive", note="不属于受理范围"
            ):
                notices.append(self._notice(case_id, "refusal", f"BSL{number}-1", step, clerk))
                row.update(closed_at=step, result_code="1")
            return finish()
        if noticed:
            step += datetime.timedelta(minutes=5)
            if not event(step, "case.notice.given", "notice_given", clerk, power="one_time_notice"):
                return finish()
            row["notice_given_at"] = step
            notices.append(self._notice(case_id, "one_time", f"GZ{number}-1", step, clerk))
            if rng.random() < 0.05:  # never came back
                return finish()
            back = self.at(self.later(day, rng.randint(1, 4)), rng)
            if not event(back, "case.resumed", "received", clerk, power="receive"):
                return finish()
            row["visits"] = 2
            m = materials[wrong]
            step = back + datetime.timedelta(minutes=2)
            if not event(
                step,
                "case.material.checked",
                "received",
                clerk,
                data={"material": m["code"], "from": "wrong", "to": "received"},
            ):
                return finish()
            m.update(state="received", reason="", copies=m["copies_needed"])
        step += datetime.timedelta(minutes=3)
        accepted_on = step.astimezone(self.tz).date()
        if not event(step, "case.accepted", "accepted", clerk, power="receive"):
            return finish()
        row.update(accepted_at=step, accepted_on=accepted_on)
        notices.append(self._notice(case_id, "acceptance", f"SL{number}-1", step, clerk))
        # Back office: claimed within a working day, decided within (mostly) the limit.
        stalled = rng.random() < (0.06 if big else 0.004)
        claim_at = self.at(self.later(accepted_on, rng.choice([0, 1])), rng)
        if claim_at < step:
            claim_at = step + datetime.timedelta(minutes=30)
        if not event(claim_at, "case.claimed", "in_review", reviewer):
            return finish()
        row["reviewer_id"] = reviewer
        cursor = claim_at.astimezone(self.tz).date()
        pause_roll = rng.random()
        if stalled or pause_roll < 0.12:
            kind = (
                "special" if (stalled and rng.random() < 0.3) or pause_roll < 0.03 else "correction"
            )
            start = self.at(self.later(cursor, rng.randint(0, 2)), rng)
            action = "case.correction.requested" if kind == "correction" else "case.special.started"
            items = ["补充经营场所产权证明"] if kind == "correction" else []
            if not event(start, action, kind, reviewer, data={"items": items}):
                return finish()
            started_on = start.astimezone(self.tz).date()
            pause = {
                "case_id": case_id,
                "kind": kind,
                "procedure": "现场勘查" if kind == "special" else "",
                "reason": "补充经营场所产权证明" if kind == "correction" else "需核实经营场所条件",
                "started_on": started_on,
                "ended_on": None,
                "restart": item["restart"] if kind == "correction" else False,
                "approved_by_id": reviewer,
            }
            pauses.append(pause)
            if stalled and rng.random() < 0.7:
                return finish()  # still waiting for the applicant or the procedure
            end = self.at(self.later(started_on, rng.randint(2, 8)), rng)
            ended = "case.supplemented" if kind == "correction" else "case.special.ended"
            if not event(end, ended, "in_review", clerk if kind == "correction" else reviewer):
                return finish()
            pause["ended_on"] = end.astimezone(self.tz).date()
            if kind == "correction":
                row["visits"] += 1
            cursor = pause["ended_on"]
        if stalled:
            return finish()  # in review, overdue
        used = max(0, min(limit, round(limit * rng.uniform(0.3, 1.05))))
        decide_at = self.at(self.later(cursor, used), rng)
        if decide_at < claim_at:
            decide_at = claim_at + datetime.timedelta(minutes=20)
        approve = rng.random() < 0.96
        if not event(
            decide_at,
            "case.approved" if approve else "case.denied",
            "approved" if approve else "denied",
            reviewer,
            note="符合条件，同意" if approve else "不符合条件",
            data={"opinion": "符合条件，同意"} if approve else {"reasons": "不符合法定条件"},
        ):
            return finish()
        row.update(decided_at=decide_at, result_code="6" if approve else "7")
        issued = self.at(
            self.later(decide_at.astimezone(self.tz).date(), rng.choice([0, 0, 1])), rng
        )
        if issued < decide_at:
            issued = decide_at + datetime.timedelta(minutes=30)
        if not event(issued, "case.result.issued", "result_ready", certificate_clerk):
            return finish()
        result = {
            "case_id": case_id,
            "name": item["result_name"] if approve else f"不予许可决定书：{item['name']}"[:200],
            "number": f"R{number}",
            "issuer": item["issuer"][:200],
            "valid_from": issued.astimezone(self.tz).date() if approve else None,
            "valid_until": None,
            "issued_at": issued,
            "issued_by_id": certificate_clerk,
        }
        collected = self.at(
            self.later(issued.astimezone(self.tz).date(), rng.choice([0, 1, 2, 3])), rng
        )
        if collected < issued:
            collected = issued + datetime.timedelta(minutes=60)
        mode = rng.choices(["window", "electronic", "post"], [0.5, 0.4, 0.1])[0]
        if not event(
            collected,
            "case.delivered",
            "closed",
            certificate_clerk,
            power="deliver_result",
            data={"mode": mode, "late": False},
        ):
            return finish()
        recipient_id = row["id_number"] or row["agent_id_number"]
        delivery = {
            "case_id": case_id,
            "mode": mode,
            "recipient_name": row["applicant_name"][:50] if mode == "window" else "",
            "recipient_id_number": recipient_id if mode == "window" else "",
            "post_tracking_number": f"EMS{rng.randrange(10**10):010d}" if mode == "post" else "",
            "delivered_at": collected,
            "delivered_by_id": certificate_clerk,
            "late": False,
        }
        if mode == "window":
            row["visits"] += 1
        row["closed_at"] = collected
        if approve and item["certificate"]:
            row["result_code"] = "0"
        return finish()

    @staticmethod
    def _notice(case_id: int, kind: str, number: str, at: Any, clerk: int) -> dict[str, Any]:
        return {
            "case_id": case_id,
            "kind": kind,
            "number": number,
            "issued_at": at,
            "issued_by_id": clerk,
            "content": json.dumps({"bench": True}),
        }


def _columns(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _copy(cur: Any, model: Any, rows: list[dict[str, Any]], with_id: bool = False) -> None:
    """COPY rows (dicts by attname) into the model's table; absent fields get their default."""
    if not rows:
        return
    fields = ([model._meta.pk] if with_id else []) + _columns(model)
    defaults = {}
    for f in fields:  # as Django fills them: the field's default, "" for text, else NULL
        value = f.get_default()
        defaults[f.attname] = json.dumps(value) if isinstance(value, dict | list) else value
    names = ", ".join(f'"{f.column}"' for f in fields)
    with cur.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
            )


def seed(url: str, plan: dict[str, Any], n: int, days: int) -> float:
    """Write `n` cases with their materials, events, notices, pauses, results and deliveries."""
    import psycopg
    from django.utils import timezone

    from onewindow.cases.models import (
        Case,
        CaseCounter,
        CaseEvent,
        CaseMaterial,
        CaseNotice,
        CasePause,
        CaseResult,
        Delivery,
    )

    started = time.perf_counter()
    now = timezone.now()
    seeder = Seeder(plan, days, now)
    rng = random.Random(SEED)
    with psycopg.connect(_conninfo(url)) as conn:
        # Continue the day counters of an earlier seeding or of cases made since.
        for day, last in conn.execute("SELECT day, last_number FROM cases_casecounter"):
            seeder.counters[day] = last
        done = 0
        while done < n:
            chunk = min(10_000, n - done)
            (last_id,) = conn.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                "nextval(pg_get_serial_sequence('cases_case', 'id')) + %s - 1)",
                (chunk,),
            ).fetchone()
            built = [seeder.case(rng, last_id - chunk + 1 + k) for k in range(chunk)]
            with conn.cursor() as cur:
                _copy(cur, Case, [b["case"] for b in built], with_id=True)
                _copy(cur, CaseMaterial, [m for b in built for m in b["materials"]])
                _copy(cur, CaseEvent, [e for b in built for e in b["events"]])
                _copy(cur, CaseNotice, [x for b in built for x in b["notices"]])
                _copy(cur, CasePause, [p for b in built for p in b["pauses"]])
                _copy(cur, CaseResult, [b["result"] for b in built if b["result"]])
                _copy(cur, Delivery, [b["delivery"] for b in built if b["delivery"]])
            conn.commit()
            done += chunk
            print(f"seeded {done}/{n} cases", file=sys.stderr)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM cases_casecounter")
            _copy(
                cur,
                CaseCounter,
                [{"day": d, "last_number": k} for d, k in sorted(seeder.counters.items())],
            )
        conn.commit()
    analyze(url)
    return time.perf_counter() - started


# --- lifecycles -------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Lifecycle:
    """One desk's worth of actors and the items it handles; runs cases through the services."""

    def __init__(self, plan: dict[str, Any], worker: int) -> None:
        from onewindow.accounts.models import User
        from onewindow.catalog.models import ServiceItem
        from onewindow.halls.models import Hall

        self.rng = random.Random(SEED + worker)
        self.worker = worker
        items = [i for i in plan["items"] if i["lifecycle"]]
        objects = ServiceItem.objects.select_related("department").in_bulk([i["id"] for i in items])
        self.items = [(i, objects[i["id"]]) for i in items]
        halls = Hall.objects.in_bulk([h["id"] for h in plan["halls"]])
        users = User.objects.in_bulk(
            [
                *plan["clerks"].values(),
                *plan["certificate_clerks"].values(),
                *(pk for pks in plan["reviewers"].values() for pk in pks),
            ]
        )
        hall = list(halls.values())[worker % len(halls)]
        self.hall = hall
        self.clerk = users[plan["clerks"][hall.pk]]
        self.certificate_clerk = users[plan["certificate_clerks"][hall.pk]]
        self.reviewers = {d: [users[pk] for pk in pks] for d, pks in plan["reviewers"].items()}
        self.count = 0

    def run(self) -> None:
        from onewindow.cases import services

        info, item = self.items[(self.worker + self.count) % len(self.items)]
        scenario = self.rng.choice(info["scenarios"])
        self.count += 1
        person = applicant(self.rng, "natural")
        case = services.start_intake(
            hall=self.hall,
            item=item,
            scenario_code=scenario["code"],
            applicant=services.Applicant(
                kind="person",
                name=person["applicant_name"],
                phone=person["phone"],
                id_number=person["id_number"],
            ),
            actor=self.clerk,
        )
        # Every material in order: the clerk's 全部收齐 (one service call for the checklist).
        services.check_materials(
            case=case,
            checks={
                m["code"]: services.MaterialCheck(
                    state="received",
                    paper=True,
                    copies=m["copies"],
                    original_verified=m["originals"] > 0,
                )
                for m in scenario["materials"]
            },
            actor=self.clerk,
        )
        services.accept_case(case=case, actor=self.clerk)
        reviewer = self.rng.choice(self.reviewers[info["department_id"]])
        services.claim_case(case=case, actor=reviewer)
        services.decide(case=case, actor=reviewer, approve=True, opinion="符合条件，同意")
        services.issue_result(case=case, actor=self.certificate_clerk, number=f"B{case.number}")
        if self.count % 2:
            services.deliver_result(case=case, actor=self.certificate_clerk, mode="electronic")
        else:
            services.deliver_result(
                case=case,
                actor=self.certificate_clerk,
                mode="window",
                recipient_name=person["applicant_name"],
                recipient_id_number=person["id_number"],
            )


def _lifecycle_process(
    plan: dict[str, Any],
    index: int,
    threads: int,
    total: int,
    tickets: Any,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    import django

    django.setup()
    from django.db import connection, connections

    lock = threading.Lock()
    outcome = {"done": 0, "errors": 0, "queries": 0, "db_cpu": 0.0, "first_error": ""}

    def worker(k: int) -> None:
        queries = 0

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        try:
            life = Lifecycle(plan, index * threads + k)
            with connection.execute_wrapper(count):
                for _ in range(3):  # warm-up: code paths, translations, prepared statements
                    life.run()
        except Exception:  # report it: the other workers and the parent must not wait forever
            with lock:
                outcome["errors"] += 1
                outcome["first_error"] = outcome["first_error"] or traceback.format_exc(limit=4)
            ready.release()
            connections.close_all()
            return
        with connection.execute_wrapper(count):
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                (backend,) = cur.fetchone()
            ready.release()
            go.wait()
            queries = 0
            db_before = _proc_cpu(backend)
            done = errors = 0
            first_error = ""
            while True:
                with tickets.get_lock():
                    if tickets.value >= total:
                        break
                    tickets.value += 1
                try:
                    life.run()
                    done += 1
                except Exception:  # a failing lifecycle is reported, not hidden
                    errors += 1
                    first_error = first_error or traceback.format_exc(limit=3)
            db_cpu = _proc_cpu(backend) - db_before
        connections.close_all()
        with lock:
            outcome["done"] += done
            outcome["errors"] += errors
            outcome["queries"] += queries
            outcome["db_cpu"] += db_cpu
            outcome["first_error"] = outcome["first_error"] or first_error

    cpu_before = [0.0]

    def start_clock() -> None:
        go.wait()
        cpu_before[0] = time.process_time()

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    clock_thread = threading.Thread(target=start_clock)
    clock_thread.start()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    clock_thread.join()
    outcome["app_cpu"] = time.process_time() - cpu_before[0]
    outcome["finished"] = time.time()
    results.put(outcome)


def lifecycles(plan: dict[str, Any], total: int, processes: int, threads: int) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    tickets = ctx.Value("i", 0)
    ready = ctx.Semaphore(0)
    go = ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_lifecycle_process,
            args=(plan, p, threads, total, tickets, ready, go, results),
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in range(processes * threads):
        ready.acquire()
    started = time.time()
    go.set()
    outcomes = [results.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = max(o["finished"] for o in outcomes) - started
    done = sum(o["done"] for o in outcomes)
    errors = sum(o["errors"] for o in outcomes)
    first_error = next((o["first_error"] for o in outcomes if o["first_error"]), "")
    runs = max(done + errors, 1)
    app_cpu = sum(o["app_cpu"] for o in outcomes)
    db_cpu = sum(o["db_cpu"] for o in outcomes)
    return {
        "lifecycles": done,
        "lifecycle_errors": errors,
        **({"lifecycle_first_error": first_error} if first_error else {}),
        "lifecycle_workers": f"{processes} processes x {threads} threads",
        "lifecycle_seconds": round(elapsed, 2),
        "lifecycles_per_s": round(done / elapsed, 1),
        "queries_per_lifecycle": round(sum(o["queries"] for o in outcomes) / runs, 1),
        "lifecycle_cpu_ms": {
            "app": round(app_cpu * 1000 / runs, 2),
            "db": round(db_cpu * 1000 / runs, 2),
        },
    }


# --- HTTP -------------------------------------------------------------------------------------


class Browser:
    """One keep-alive connection with its cookies, as one person's browser."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str, float]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    return 599, "", "", (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, response.headers.get("Location", ""), text, elapsed

    def log_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _, _, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"bench/cases.py: could not log in as {username} ({status})")


def server_command(port: int, workers: int, threads: int) -> list[str]:
    """The app server as docs/operations.md runs it."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "onewindow.wsgi:application",
        *("--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)),
        *("--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"),
    ]


def _server_cpu(server: subprocess.Popen[bytes], url: str) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each app server process and each backend of the database."""
    import psycopg

    pids = [server.pid]
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        backends = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ]
    return {
        "app": {p: _proc_cpu(p) for p in pids},
        "db": {p: _proc_cpu(p) for p in backends},
        "bench": {0: sum(os.times()[:2])},
    }


def _cpu_per(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], n: int
) -> dict[str, float]:
    """CPU milliseconds per request, process by process (a backend may come or go meanwhile)."""
    return {
        kind: round(
            sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())
            * 1000
            / max(n, 1),
            2,
        )
        for kind in after
    }


class Paced:
    """Open-loop pacing: client `index` of `clients` starts a job every `clients / rate` seconds.

    `due()` sleeps until the next start and returns it; latency is taken from that time, so a
    server that falls behind shows its full delay (no coordinated omission).
    """

    def __init__(self, index: int, clients: int, rate: float, start: float, jobs: int) -> None:
        self.interval = clients / rate
        self.next = start + self.interval * index / clients
        self.left = jobs

    def due(self) -> float | None:
        if self.left <= 0:
            return None
        self.left -= 1
        delay = self.next - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due, self.next = self.next, self.next + self.interval
        return due


def _paced(clients: list[Any], rate: float, jobs: int, job: Any) -> tuple[list[Any], float]:
    """Run `jobs` jobs at `rate` a second spread over the clients; each returns a sample."""
    samples: list[Any] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.1
    per_client = max(1, jobs // len(clients))

    def run(index: int, client: Any) -> None:
        pace = Paced(index, len(clients), rate, start, per_client)
        while (due := pace.due()) is not None:
            sample = job(client, due)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=run, args=(k, c)) for k, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, time.perf_counter() - start


def _measured(
    server: subprocess.Popen[bytes], url: str, run: Any
) -> tuple[list[Any], float, dict[str, float]]:
    before = _server_cpu(server, url)
    samples, elapsed = run()
    return samples, elapsed, _cpu_per(before, _server_cpu(server, url), len(samples))


def worklist_phase(
    port: int,
    server: subprocess.Popen[bytes],
    url: str,
    plan: dict[str, Any],
    *,
    clients: int,
    rate: float,
    requests: int,
) -> dict[str, Any]:
    names = plan["reviewer_names"][plan["big_department"]]
    browsers = []
    for k in range(clients):
        b = Browser(port)
        b.log_in(names[k % len(names)])
        browsers.append(b)
    rows_seen: list[int] = []

    def job(b: Browser, due: float) -> tuple[float, bool]:
        status, _, text, _ = b.request("GET", "/cases/review/")
        rows_seen.append(text.count("data-case="))
        return (time.perf_counter() - due) * 1000, status == 200

    _paced(browsers, rate, 4 * clients, job)  # warm-up: every server thread has run the page
    rows_seen.clear()
    samples, elapsed, cpu = _measured(server, url, lambda: _paced(browsers, rate, requests, job))
    lat = [ms for ms, _ in samples]
    return {
        "worklist_requests": len(samples),
        "worklist_errors": sum(not ok for _, ok in samples),
        "worklist_offered_rps": rate,
        "worklist_rps": round(len(samples) / elapsed, 1),
        "worklist_rows": min(rows_seen, default=0),
        **_lat(lat, "worklist"),
        "worklist_cpu_ms": cpu,
    }


def tracking_phase(
    port: int,
    server: subprocess.Popen[bytes],
    url: str,
    lookups: list[tuple[str, str]],
    *,
    clients: int,
    rate: float,
    requests: int,
) -> dict[str, Any]:
    browsers = []
    for _ in range(clients):
        b = Browser(port)
        b.request("GET", "/track/")  # the form, and its CSRF cookie
        browsers.append(b)
    pool = iter(lookups)
    lock = threading.Lock()

    def job(b: Browser, due: float) -> tuple[float, float, float, bool]:
        with lock:
            number, code = next(pool)
        status, location, _, post_ms = b.request(
            "POST", "/track/", {"number": number, "code": code}
        )
        if status != 302:
            return (time.perf_counter() - due) * 1000, post_ms, 0.0, False
        status, _, text, page_ms = b.request("GET", urlsplit(location).path)
        total = (time.perf_counter() - due) * 1000
        return total, post_ms, page_ms, status == 200 and number in text

    _paced(browsers, rate, 4 * clients, job)  # warm-up
    samples, elapsed, cpu = _measured(server, url, lambda: _paced(browsers, rate, requests, job))
    return {
        "tracking_requests": len(samples),
        "tracking_errors": sum(not ok for *_, ok in samples),
        "tracking_offered_per_s": rate,
        "tracking_lookups_per_s": round(len(samples) / elapsed, 1),
        **_lat([t for t, *_ in samples], "tracking"),
        **_lat([p for _, p, _, _ in samples], "tracking_post"),
        **_lat([g for _, _, g, _ in samples], "tracking_page"),
        "tracking_cpu_ms": cpu,
    }


def page_queries(plan: dict[str, Any], lookups: list[tuple[str, str]]) -> dict[str, int]:
    """Queries each page costs, measured in-process with the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from onewindow.accounts.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=plan["reviewer_names"][plan["big_department"]][0]))
    client.get("/cases/review/")
    with CaptureQueriesContext(connection) as worklist:
        client.get("/cases/review/")
    citizen = Client(SERVER_NAME="127.0.0.1")
    number, code = lookups[-1]
    with CaptureQueriesContext(connection) as post:
        response = citizen.post("/track/", {"number": number, "code": code})
    with CaptureQueriesContext(connection) as page:
        citizen.get(response["Location"])
    return {
        "worklist_queries": len(worklist),
        "tracking_queries": len(post) + len(page),
    }


# --- main ---------------------------------------------------------------------------------------


def main() -> None:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the database")
    parser.add_argument("--days", type=int, default=365, help="seeded cases span these days")
    parser.add_argument("--lifecycles", type=int, default=400)
    parser.add_argument("--processes", type=int, default=3, help="lifecycle processes")
    parser.add_argument("--threads", type=int, default=2, help="lifecycle threads per process")
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--clients", type=int, default=4, help="browsers per page")
    parser.add_argument("--worklist-rate", type=float, default=2, help="work queue loads/s")
    parser.add_argument("--tracking-rate", type=float, default=5, help="tracking lookups/s")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--server-threads", type=int, default=2, help="gunicorn threads")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-lifecycles", action="store_true")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/cases.py needs DATABASE_URL pointing at a PostgreSQL database of its own")
    tmp = Path(tempfile.mkdtemp(prefix="ow-cbench-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="onewindow.settings",
        ONEWINDOW_DATA_DIR=str(tmp),
        ONEWINDOW_DEBUG="0",
        ONEWINDOW_SECRET_KEY="bench-secret-key-not-for-production",
        ONEWINDOW_ALLOWED_HOSTS="127.0.0.1,localhost",
        ONEWINDOW_LOG_LEVEL="WARNING",
        ONEWINDOW_SMS_BACKEND="onewindow.tickets.sms.MemoryBackend",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    prepare_database(url, args.fresh)

    import django

    django.setup()
    from django.db import connections

    from onewindow.cases.models import Case, CaseEvent, CaseMaterial
    from onewindow.cases.queries import BACK_OFFICE_STATUSES

    plan = set_up()
    existing = Case.objects.count()
    seed_seconds = None
    if existing < args.cases:
        seed_seconds = round(seed(url, plan, args.cases - existing, args.days), 1)
    result: dict[str, Any] = {"database": "postgresql"}
    if not args.skip_lifecycles:
        result.update(lifecycles(plan, args.lifecycles, args.processes, args.threads))
    connections.close_all()
    cases_in_db = Case.objects.count()
    queue = Case.objects.filter(
        department_id=plan["big_department"], status__in=BACK_OFFICE_STATUSES
    ).count()
    result = {
        "database": "postgresql",
        "cases_in_db": cases_in_db,
        "seed_seconds": seed_seconds,
        "events_per_case": round(CaseEvent.objects.count() / cases_in_db, 1),
        "materials_per_case": round(CaseMaterial.objects.count() / cases_in_db, 1),
        "worklist_department_cases": Case.objects.filter(
            department_id=plan["big_department"]
        ).count(),
        "worklist_queue_cases": queue,
        **result,
    }
    if not args.skip_http:
        if not args.skip_lifecycles:
            # The lifecycles' burst of writes sets autovacuum off on the big tables; let it finish
            # (as it would within a minute) rather than time the pages against it on 2 cores.
            analyze(url)
        result["prewarmed_mb"] = prewarm(url)
        rng = random.Random(SEED)
        ids = list(Case.objects.values_list("pk", flat=True))
        sample = set(rng.sample(ids, min(len(ids), args.requests + 8 * args.clients + 1)))
        lookups = list(Case.objects.filter(pk__in=sample).values_list("number", "tracking_code"))
        rng.shuffle(lookups)
        result.update(page_queries(plan, lookups))
        connections.close_all()
        port = _free_port()
        server = subprocess.Popen(
            server_command(port, args.workers, args.server_threads), env=env, cwd=str(tmp)
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    probe.request("GET", "/track/", headers={"Host": "127.0.0.1"})
                    if probe.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.3)
            result["method"] = (
                f"http: gunicorn gthread {args.workers}x{args.server_threads}; "
                f"{args.clients} browsers per page, open loop"
            )
            worklist = worklist_phase(
                port,
                server,
                url,
                plan,
                clients=args.clients,
                rate=args.worklist_rate,
                requests=args.requests,
            )
            tracking = tracking_phase(
                port,
                server,
                url,
                lookups,
                clients=args.clients,
                rate=args.tracking_rate,
                requests=args.requests,
            )
            result.update(worklist)
            result.update(tracking)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    result["ok"] = (
        result.get("lifecycles_per_s", 0) >= TARGETS["lifecycles_per_s"]
        and result.get("lifecycle_errors", 1) == 0
        and result.get("worklist_p95_ms", 1e9) <= TARGETS["worklist_p95_ms"]
        and result.get("tracking_p95_ms", 1e9) <= TARGETS["tracking_p95_ms"]
        and result.get("worklist_errors", 1) == 0
        and result.get("tracking_errors", 1) == 0
        and cases_in_db >= 100_000
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

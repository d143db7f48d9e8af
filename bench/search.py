"""Knowledge search benchmark: one search over 10,000 answers and the real catalog's items.

Run from the repository root with the virtual environment active:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python bench/search.py [--answers 10000]
        [--queries 1000]

A separate database `onewindow_sbench` is created on the server of DATABASE_URL and dropped at
the end (without DATABASE_URL, SQLite in a temporary directory). The real catalog (1,135 items)
and the demo catalog (with its 95 answers) are imported; answers are then generated up to
`--answers` the way a hall writes them: for each published item, the questions citizens ask
about it (materials, time, fees, online, window, agent, result, conditions) with answers drawn
from the item's own data (reworded copies of the demo answers only if still short). The query
mix (fixed seed) is the labelled question set of `knowledge/data/answer_questions.tsv`, those
questions with one character changed, item questions in citizens' words, pinyin initials and
junk.

Each query is `knowledge.search.ask(query)`: answers and items, as the public /ask/ page and
the staff panel run it. Times are warm (indexes built, one warm-up pass); the first build of
both indexes is reported apart. Prints one JSON object: {"database", "answers", "items",
"queries", "search_p50_ms", "search_p95_ms", "search_max_ms", "index_build_ms",
"labelled_top3", "ok"}; `ok` is p95 ≤ 50 ms with the answers generated.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/queue.py is named like the standard library's `queue` (which psycopg imports): keep
# this folder off the import path.
_here = str(_Path(__file__).resolve().parent)
_sys.path[:] = [p for p in _sys.path if str(_Path(p or ".").resolve()) != _here]

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "onewindow_sbench"
SEED = 20261128
TARGET_P95_MS = 50.0

# fmt: off
ITEM_QUESTIONS = [
    (
        "{name}需要带什么材料？",
        "办理{name}需携带申请人有效身份证件及办事指南所列材料，{dept}窗口可一次性告知。",
    ),
    (
        "{name}要多长时间？",
        "{name}承诺时限以办事指南为准，材料齐全的一般在承诺时限内办结，{dept}会短信通知。",
    ),
    (
        "{name}收费吗？",
        "{name}不收取费用；涉及工本费的按规定标准收取，窗口开具票据。",
    ),
    (
        "{name}可以网上办吗？",
        "可以通过四川政务服务网申请{name}，上传材料后由{dept}在线审核。",
    ),
    (
        "{name}在哪个窗口办？",
        "{name}在政务服务中心综合受理窗口办理，取号后等候叫号即可。",
    ),
    (
        "{name}可以委托别人办吗？",
        "可以委托他人办理{name}，受托人需携带授权委托书和双方身份证件。",
    ),
    (
        "{name}办好后怎么领取结果？",
        "{name}办结后可到统一出证窗口领取，也可选择邮寄送达。",
    ),
    (
        "{name}需要满足什么条件？",
        "申请{name}应符合{dept}规定的条件，具体见办事指南“受理条件”一栏。",
    ),
    (
        "{name}办理进度怎么查？",
        "凭受理回执上的办件编号和查询密码，可在自助查询机或网上查询{name}的办理进度。",
    ),
]
# fmt: on
REWORDINGS = ["请问", "想问一下，", "咨询：", "", "我想知道"]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _postgres_admin(url: str, sql: list[str]) -> None:
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def _setup(tmp: Path) -> tuple[str, str | None]:
    os.environ["ONEWINDOW_DATA_DIR"] = str(tmp)
    os.environ["ONEWINDOW_DEBUG"] = "0"
    os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "onewindow.settings"
    url = os.environ.get("DATABASE_URL", "")
    admin = None
    if url.startswith(("postgres://", "postgresql://")):
        admin = url
        drop = f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
        _postgres_admin(admin, [drop, f"CREATE DATABASE {BENCH_DB}"])
        os.environ["DATABASE_URL"] = _with_database(url, BENCH_DB)
    elif url:
        raise SystemExit("bench/search.py: only SQLite (no DATABASE_URL) or PostgreSQL")
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    return ("postgresql" if admin else "sqlite"), admin


def _load_catalog() -> None:
    from django.core.management import call_command

    from onewindow import demo

    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    call_command("migrate", interactive=False, **quiet)
    call_command("load_synonyms", **quiet)
    call_command("import_catalog", str(demo.REAL_CATALOG), **quiet)
    call_command("import_catalog", str(demo.DEMO_CATALOG), **quiet)


def _generate_answers(total: int, rng: random.Random) -> int:
    """Answers up to `total`: item questions first, then reworded demo answers."""
    from onewindow.catalog.models import Answer, ServiceItem
    from onewindow.catalog.services import bump_revision

    existing = list(Answer.objects.all())
    need = total - len(existing)
    items = list(ServiceItem.objects.published().select_related("department").order_by("pk"))
    used = {(a.item_id, a.code) for a in existing}
    new: list[Answer] = []
    for k, (question, answer) in enumerate(ITEM_QUESTIONS):
        for item in items:
            if len(new) >= need:
                break
            code = f"B{k + 1:02d}"
            if (item.pk, code) in used:
                continue
            values = {"name": item.name, "dept": item.department.name}
            new.append(
                Answer(
                    item=item,
                    code=code,
                    question=question.format(**values)[:300],
                    answer=answer.format(**values),
                    source="本事项办事指南",
                    reviewed_at="2026-03-01",
                    sort_order=100 + k,
                )
            )
    n = 0
    while len(new) < need and existing:
        base = existing[n % len(existing)]
        n += 1
        new.append(
            Answer(
                item=base.item,
                code=f"R{n:04d}",
                question=(rng.choice(REWORDINGS) + base.question)[:300],
                answer=base.answer,
                source=base.source,
                reviewed_at=base.reviewed_at,
                sort_order=900 + n,
            )
        )
    Answer.objects.bulk_create(new, batch_size=1000)
    bump_revision()
    return Answer.objects.count()


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + rng.choice("的一是在不了有和人这中大为上个国") + text[i + 1 :]


def _queries(count: int, labelled: list[tuple[str, set[str]]], rng: random.Random) -> list[str]:
    from onewindow.catalog.models import ServiceItem
    from onewindow.catalog.search import core_name, spell

    names = list(ServiceItem.objects.published().values_list("name", flat=True))
    asks = ["要带什么", "多久能办好", "收费吗", "网上能办吗", "在哪办", "能代办吗"]
    pool: list[str] = [q for q, _ in labelled]
    while len(pool) < count:
        kind = rng.random()
        name = core_name(rng.choice(names))
        if kind < 0.35:
            q, _ = rng.choice(labelled)
            pool.append(_typo(q, rng))
        elif kind < 0.75:
            pool.append(name[: rng.randint(2, max(2, len(name)))] + rng.choice(asks))
        elif kind < 0.9:
            pool.append(spell(name)[0][:6])
        else:
            pool.append("".join(rng.choice("天地玄黄宇宙洪荒日月盈昃") for _ in range(5)))
    rng.shuffle(pool)
    return pool[:count]


def run(answers_wanted: int, query_count: int) -> dict[str, Any]:
    from django.core.management import call_command

    from onewindow.catalog.management.commands.search_eval import read_cases
    from onewindow.catalog.models import ServiceItem
    from onewindow.knowledge import search

    rng = random.Random(SEED)
    _load_catalog()
    answers = _generate_answers(answers_wanted, rng)
    labelled = read_cases(Path(search.__file__).parent / "data" / "answer_questions.tsv")
    queries = _queries(query_count, labelled, rng)

    started = time.perf_counter()
    search.ask("社保卡")
    build_ms = (time.perf_counter() - started) * 1000
    for q in queries:  # warm-up pass
        search.ask(q)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            for q in queries:
                search.ask(q)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    times = []
    for q in queries:
        t = time.perf_counter()
        search.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out = io.StringIO()
    call_command("search_eval", "--kind", "answers", stdout=out, stderr=io.StringIO())
    p95 = times[int(len(times) * 0.95) - 1]
    return {
        "answers": answers,
        "items": ServiceItem.objects.published().count(),
        "queries": len(times),
        "search_p50_ms": round(statistics.median(times), 2),
        "search_p95_ms": round(p95, 2),
        "search_max_ms": round(times[-1], 2),
        "index_build_ms": round(build_ms, 1),
        "labelled_top3": json.loads(out.getvalue())["top3"],
        "ok": p95 <= TARGET_P95_MS and answers >= answers_wanted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="onewindow-sbench-"))
    admin = None
    try:
        vendor, admin = _setup(tmp)
        result = {"database": vendor, **run(args.answers, args.queries)}
    finally:
        if admin:
            from django.db import connections

            connections.close_all()
            _postgres_admin(admin, [f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"])
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Catalog benchmark: import the real catalog into a fresh database, then time guide search.

Run from the repository root with the virtual environment active:

    python bench/catalog.py                                   # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python bench/catalog.py

With DATABASE_URL, a separate database `onewindow_bench` is created on that server and dropped
at the end (the database named in the URL is only used to connect). Prints one JSON object:
{"database", "items", "import_seconds", "search_p50_ms", "search_p95_ms", "search_queries",
"index_build_ms", "index_rebuild_ms"}. Search times are warm (index built, one warm-up pass);
the first build (which also loads jieba's and pypinyin's dictionaries) and a rebuild are reported
separately. The query mix is fixed by a seed: labelled evaluation queries, exact names, name
fragments, fragments with one wrong character, pinyin initials and whole pinyin, codes, synonym
terms and junk.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "onewindow" / "catalog" / "data"
BENCH_DB = "onewindow_bench"
SEED = 20240615
QUERIES = 1000


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _postgres_admin(url: str, sql: list[str]) -> None:
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _setup(tmp: Path) -> tuple[str, str | None]:
    """Point the settings at a fresh database; returns (vendor, admin url or None)."""
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
        raise SystemExit("bench/catalog.py: only SQLite (no DATABASE_URL) or PostgreSQL")
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    return ("postgresql" if admin else "sqlite"), admin


def _fragment(rng: random.Random, text: str, low: int, high: int) -> str:
    if len(text) <= low:
        return text
    length = rng.randint(low, min(high, len(text)))
    start = rng.randint(0, len(text) - length)
    return text[start : start + length]


def make_queries(
    rng: random.Random,
    *,
    names: list[str],
    codes: list[str],
    terms: list[str],
    labelled: list[str],
) -> list[str]:
    from onewindow.catalog.search import core_name, spell

    cores = [c for c in (core_name(n) for n in names) if c]
    alphabet = sorted({ch for c in cores for ch in c if "\u4e00" <= ch <= "\u9fff"})
    junk = [
        "！！！？？",
        "'; DROP TABLE catalog_serviceitem; --",
        "请问" * 100,
        "   ",
        "a" * 300,
        "%_%",
        "<script>alert(1)</script>",
    ]

    def typo() -> str:
        frag = list(_fragment(rng, rng.choice(cores), 4, 8))
        frag[rng.randrange(len(frag))] = rng.choice(alphabet)
        return "".join(frag)

    def pinyin() -> str:
        initials, whole, _ = spell(_fragment(rng, rng.choice(cores), 2, 5))
        return initials if rng.random() < 0.7 else whole

    def code() -> str:
        c = rng.choice(codes)
        return c if rng.random() < 0.5 else c[: rng.randint(8, len(c))]

    makers: list[tuple[float, Any]] = [
        (0.25, lambda: rng.choice(labelled) if labelled else rng.choice(terms)),
        (0.15, lambda: rng.choice(names)),
        (0.15, lambda: _fragment(rng, rng.choice(cores), 2, 8)),
        (0.10, typo),
        (0.10, pinyin),
        (0.08, code),
        (0.12, lambda: rng.choice(["", "我想办", "怎么办", "办理"]) + rng.choice(terms)),
        (0.05, lambda: rng.choice(junk)),
    ]
    weights = [w for w, _ in makers]
    return [rng.choices(makers, weights)[0][1]() for _ in range(QUERIES)]


def run(csv_path: Path, eval_path: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from onewindow.catalog import search
    from onewindow.catalog.models import ServiceItem, Synonym

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("import_catalog", str(csv_path), stdout=io.StringIO())
    import_seconds = time.perf_counter() - started
    call_command("load_synonyms", stdout=io.StringIO())

    search.invalidate_index()
    started = time.perf_counter()
    search.get_index()
    build_ms = (time.perf_counter() - started) * 1000
    search.invalidate_index()
    started = time.perf_counter()
    search.get_index()
    rebuild_ms = (time.perf_counter() - started) * 1000

    labelled = []
    if eval_path.is_file():
        for line in eval_path.read_text(encoding="utf-8-sig").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                labelled.append(line.split("\t", 1)[0].strip())
    items = list(ServiceItem.objects.published().values_list("name", "implementation_code"))
    queries = make_queries(
        random.Random(SEED),
        names=[n for n, _ in items],
        codes=[c for _, c in items],
        terms=list(Synonym.objects.values_list("term", flat=True)),
        labelled=labelled,
    )
    for query in queries[:100]:  # warm-up: connection, caches
        search.search_items(query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        search.search_items(query)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "items": ServiceItem.objects.count(),
        "import_seconds": round(import_seconds, 2),
        "search_p50_ms": round(statistics.median(timings), 2),
        "search_p95_ms": round(cuts[94], 2),
        "search_queries": len(timings),
        "index_build_ms": round(build_ms, 1),
        "index_rebuild_ms": round(rebuild_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=str(DATA / "guangan-district-items.csv"))
    parser.add_argument("--eval", default=str(DATA / "search_eval.tsv"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="onewindow-bench-"))
    admin = None
    try:
        vendor, admin = _setup(tmp)
        result = {"database": vendor, **run(Path(args.csv), Path(args.eval))}
    finally:
        if admin:
            from django.db import connections

            connections.close_all()
            _postgres_admin(admin, [f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"])
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

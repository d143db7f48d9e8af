"""`python -m onewindow search_eval [PATH] [--verbose]`: how often search finds the right item.

PATH is a UTF-8 TSV file, one `query<TAB>acceptable name|another name` per line (blank lines and
lines starting with # are skipped); it defaults to the shipped `catalog/data/search_eval.tsv`.
Each query runs through `search_items(query, limit=3)`; a hit is an item whose name equals one of
the acceptable names. Prints one JSON line: {"queries": N, "top1": 0.xx, "top3": 0.xx}.

With `--kind answers` the file is `question<TAB>acceptable answer question|…` and the questions
run through the knowledge search (`knowledge.search.ask`); PATH then defaults to the shipped
`knowledge/data/answer_questions.tsv`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from onewindow.catalog.models import ServiceItem, Synonym
from onewindow.catalog.search import search_items

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "search_eval.tsv"
DEFAULT_ANSWERS_PATH = (
    Path(__file__).resolve().parents[3] / "knowledge" / "data" / "answer_questions.tsv"
)


def read_cases(path: Path) -> list[tuple[str, set[str]]]:
    """(query, acceptable names) pairs of an evaluation file."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        query, sep, names = line.partition("\t")
        accepted = {n.strip() for n in names.split("|") if n.strip()}
        if not sep or not query.strip() or not accepted:
            raise CommandError(f"{path}:{number}: expected query<TAB>name|name")
        cases.append((query.strip(), accepted))
    return cases


def _item_names(query: str) -> list[str]:
    return [hit.item.name for hit in search_items(query, limit=3)]


def _answer_titles(query: str) -> list[str]:
    from onewindow.knowledge.search import ask  # the knowledge app builds on the catalog

    return [hit.answer.question for hit in ask(query, limit=3).answers]


def evaluate(
    cases: list[tuple[str, set[str]]], *, kind: str = "items"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    top1 = top3 = 0
    misses = []
    found = _answer_titles if kind == "answers" else _item_names
    for query, accepted in cases:
        names = found(query)
        if names[:1] and names[0] in accepted:
            top1 += 1
        if any(name in accepted for name in names):
            top3 += 1
        else:
            misses.append({"query": query, "expected": sorted(accepted), "got": names})
    n = len(cases)
    summary = {
        "queries": n,
        "top1": round(top1 / n, 3) if n else 0.0,
        "top3": round(top3 / n, 3) if n else 0.0,
    }
    return summary, misses


class Command(BaseCommand):
    help = "Measure guide search on a labelled TSV file (query<TAB>name|name); prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="")
        parser.add_argument(
            "--kind",
            choices=["items", "answers"],
            default="items",
            help="what the file labels: catalog items (default) or knowledge-base answers",
        )
        parser.add_argument(
            "--verbose", action="store_true", help="also print the misses to stderr"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        default = DEFAULT_ANSWERS_PATH if kind == "answers" else DEFAULT_PATH
        path = Path(options["path"] or default)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        cases = read_cases(path)
        try:
            has_items = ServiceItem.objects.exists()
        except DatabaseError as exc:
            raise CommandError(
                "The database is not set up: run `python -m onewindow setup_demo` "
                "(or migrate + import_catalog) first."
            ) from exc
        if not has_items:
            self.stderr.write(
                "warning: the catalog is empty (run setup_demo or import_catalog first)"
            )
        if not Synonym.objects.exists():
            self.stderr.write("warning: no synonyms loaded (run load_synonyms first)")
        summary, misses = evaluate(cases, kind=kind)
        if options["verbose"]:
            for miss in misses:
                self.stderr.write(json.dumps(miss, ensure_ascii=False))
        self.stdout.write(json.dumps(summary))

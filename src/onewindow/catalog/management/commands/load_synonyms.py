"""`python -m onewindow load_synonyms [PATH] [--overwrite | --replace]`: seed the synonym list.

PATH is a UTF-8 TSV file of `term<TAB>canonical[<TAB>remarks]` lines (blank lines and lines
starting with # are skipped); it defaults to the shipped `catalog/data/synonyms.tsv`. The
canonical side may list several catalog words separated by "|".

By default only missing terms are added: a term the hall manager already has keeps the manager's
wording. --overwrite also rewrites existing terms from the file; --replace makes the list exactly
the file (terms not in it are deleted). All or nothing; one audit event; the catalog revision is
bumped when anything changed, so every process rebuilds its search index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from onewindow.catalog.models import Synonym
from onewindow.catalog.services import bump_revision
from onewindow.core import audit

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "synonyms.tsv"
_TERM_MAX = Synonym._meta.get_field("term").max_length or 50
_CANONICAL_MAX = Synonym._meta.get_field("canonical").max_length or 100
_NOTE_MAX = Synonym._meta.get_field("note").max_length or 200


@dataclass(frozen=True)
class SynonymRow:
    term: str
    canonical: str
    note: str = ""


def read_synonyms(path: Path) -> list[SynonymRow]:
    """The rows of a synonym file; raises CommandError listing every bad line."""
    rows: list[SynonymRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    text = path.read_text(encoding="utf-8-sig")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        term, canonical = cells[0], cells[1] if len(cells) > 1 else ""
        note = cells[2] if len(cells) > 2 else ""
        where = f"{path.name}:{number}"
        if not term or not canonical or len(cells) > 3:
            errors.append(f"{where}: expected term<TAB>canonical[<TAB>remarks]")
        elif len(term) > _TERM_MAX or len(canonical) > _CANONICAL_MAX or len(note) > _NOTE_MAX:
            errors.append(
                f"{where}: too long (term ≤ {_TERM_MAX}, canonical ≤ {_CANONICAL_MAX},"
                f" remarks ≤ {_NOTE_MAX} characters)"
            )
        elif term in seen:
            errors.append(f"{where}: “{term}” already on line {seen[term]}")
        else:
            seen[term] = number
            rows.append(SynonymRow(term=term, canonical=canonical, note=note))
    if errors:
        raise CommandError("\n".join(errors))
    return rows


@transaction.atomic
def load_synonyms(
    *,
    rows: list[SynonymRow],
    overwrite: bool = False,
    replace: bool = False,
    actor: Any = None,
    source_name: str = "",
) -> dict[str, int]:
    """Bring the synonym table in line with `rows`; returns how many were created etc."""
    overwrite = overwrite or replace
    existing = {s.term: s for s in Synonym.objects.select_for_update().order_by("pk")}
    wanted = {r.term: r for r in rows}
    to_create = [
        Synonym(term=r.term, canonical=r.canonical, note=r.note)
        for r in rows
        if r.term not in existing
    ]
    to_update = []
    kept = 0
    for term, synonym in existing.items():
        row = wanted.get(term)
        if row is None or (synonym.canonical, synonym.note) == (row.canonical, row.note):
            continue
        if overwrite:
            synonym.canonical, synonym.note = row.canonical, row.note
            to_update.append(synonym)
        else:
            kept += 1
    to_delete = [s.pk for term, s in existing.items() if replace and term not in wanted]
    Synonym.objects.bulk_create(to_create)
    for synonym in to_update:
        synonym.save(update_fields=["canonical", "note", "updated_at"])
    Synonym.objects.filter(pk__in=to_delete).delete()
    counts = {
        "created": len(to_create),
        "updated": len(to_update),
        "deleted": len(to_delete),
        "kept": kept,
    }
    if to_create or to_update or to_delete:
        audit.record(
            action="catalog.synonyms.loaded",
            actor=actor,
            after={**counts, "source": source_name},
        )
        bump_revision()
    return counts


class Command(BaseCommand):
    help = "Load the synonym list (term<TAB>canonical[<TAB>remarks]) into the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--overwrite", action="store_true", help="also rewrite terms that already exist"
        )
        mode.add_argument("--replace", action="store_true", help="make the list exactly the file's")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        rows = read_synonyms(path)
        counts = load_synonyms(
            rows=rows,
            overwrite=options["overwrite"],
            replace=options["replace"],
            source_name=path.name,
        )
        self.stdout.write(
            "Synonyms: {created} created, {updated} updated, {deleted} deleted,"
            " {kept} kept as edited".format(**counts)
        )

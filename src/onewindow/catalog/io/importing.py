"""Import the catalog from spreadsheet tables: validate all of it, then write all of it or nothing.

The rules are in docs/catalog-template.md. In short: rows are matched by code; columns present are
the truth and absent columns are left alone; a child table (scenarios, materials, review points,
Q&A, delegations) is the truth for the items it mentions; unchanged rows are not saved, so a
re-import creates no versions, audit events or timestamps.

`planning` checks the file and works out the changes; `writing` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.catalog.io.columns import TABLES
from onewindow.catalog.io.errors import RowError
from onewindow.catalog.io.planning import Counts, Plan
from onewindow.catalog.io.reading import Source
from onewindow.catalog.io.writing import apply
from onewindow.catalog.models import CatalogRevision

__all__ = ["Counts", "ImportResult", "import_catalog", "sort_errors"]

# Summary rows, in the order they are shown.
SUMMARY_LABELS = {
    "departments": gettext_lazy("Departments"),
    "agreements": gettext_lazy("Delegation agreements"),
    "items": gettext_lazy("Catalog items"),
    "scenarios": gettext_lazy("Scenarios"),
    "materials": gettext_lazy("Materials"),
    "review_points": gettext_lazy("Review points"),
    "qa": gettext_lazy("Q&A"),
    "delegations": gettext_lazy("Delegations"),
}


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    summary: dict[str, Counts] = field(default_factory=dict)
    versions: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.summary.values())

    def summary_rows(self) -> list[tuple[str, Counts]]:
        return [(str(SUMMARY_LABELS[k]), c) for k, c in self.summary.items()]

    def summary_lines(self) -> list[str]:
        lines = [
            _(
                "%(table)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged,"
                " %(deleted)s deleted"
            )
            % {
                "table": label,
                "created": c.created,
                "updated": c.updated,
                "unchanged": c.unchanged,
                "deleted": c.deleted,
            }
            for label, c in self.summary_rows()
        ]
        if self.dry_run:
            lines.append(_("Validation only: nothing was written."))
        else:
            lines.append(_("Item versions created: %(n)s") % {"n": self.versions})
        return lines


def sort_errors(errors: list[RowError]) -> list[RowError]:
    """File-level problems first, then by table (template order), row, and column as in the file."""
    order = {t.key: i for i, t in enumerate(TABLES)}
    return sorted(errors, key=lambda e: (order.get(e.table, -1), e.row or 0, e.position))


def import_catalog(
    *, source: Source, actor: Any = None, dry_run: bool = False, source_name: str = ""
) -> ImportResult:
    """Validate the whole source; unless there is an error or `dry_run`, write all of it.

    One transaction: concurrent imports queue on the catalog revision row, and any error leaves
    the database exactly as it was.
    """
    result = ImportResult(dry_run=dry_run)
    job = Plan(source)
    if not job.rows:
        result.errors = sort_errors(job.errors)
        if result.errors:
            return result
        result.errors.append(
            RowError(sheet="", row=None, column_name="", message=_("The file contains no table."))
        )
        return result
    with transaction.atomic():
        # Serialise imports (and catalog edits that bump the revision) on PostgreSQL.
        CatalogRevision.objects.get_or_create(pk=1)
        CatalogRevision.objects.select_for_update().filter(pk=1).first()
        job.plan()
        result.errors = sort_errors(job.errors)
        result.summary = job.summary()
        if result.errors or dry_run or not result.changed:
            transaction.set_rollback(True)
            return result
        result.versions = apply(job, actor=actor, source_name=source_name, summary=result.summary)
    return result

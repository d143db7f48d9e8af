"""`python -m onewindow sync_calendar`: bring in the holiday library's years after an upgrade."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.core.calendar import known_years
from onewindow.core.services import sync_calendar_from_library


def _dates(days: list[datetime.date]) -> str:
    return ", ".join(d.isoformat() for d in days)


class Command(BaseCommand):
    help = (
        "Add and update the working-day calendar from the installed holiday library "
        "(chinesecalendar). Idempotent; never changes days entered by an administrator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change without changing it."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        result = sync_calendar_from_library(dry_run=dry_run)
        prefix = "would " if dry_run else ""
        out = self.stdout
        if result.years_added:
            out.write(f"{prefix}add years: {', '.join(map(str, result.years_added))}")
        if result.days_added:
            out.write(f"{prefix}add {len(result.days_added)} days: {_dates(result.days_added)}")
        if result.days_updated:
            out.write(
                f"{prefix}update {len(result.days_updated)} days: {_dates(result.days_updated)}"
            )
        if result.days_removed:
            out.write(
                f"{prefix}remove {len(result.days_removed)} days: {_dates(result.days_removed)}"
            )
        if result.manual_kept:
            out.write(
                f"kept {len(result.manual_kept)} administrator entries that differ from the "
                f"library: {_dates(result.manual_kept)}"
            )
        if not result.changed:
            out.write("calendar already matches the holiday library")
        years = known_years()
        listed = ", ".join(map(str, years)) or "none"
        out.write(self.style.SUCCESS(f"known years: {listed}"))

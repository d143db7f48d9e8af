"""`python -m onewindow import_catalog PATH [--dry-run]`: import the catalog from a spreadsheet."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.catalog.io.errors import UnreadableFile
from onewindow.catalog.io.importing import import_catalog
from onewindow.catalog.io.reading import read_path


class Command(BaseCommand):
    help = (
        "Import the catalog from an .xlsx workbook, a .csv file, a .zip of CSV files or a"
        " directory of CSV files (format: docs/catalog-template.md). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--user", help="Username recorded as the actor (default: none).")

    def handle(
        self, *args: Any, path: str, dry_run: bool, user: str | None, **options: Any
    ) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._run(path, dry_run, user)

    def _run(self, path: str, dry_run: bool, username: str | None) -> None:
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(_("No user named “%(name)s”.") % {"name": username})
        started = time.perf_counter()
        try:
            source = read_path(path)
        except UnreadableFile as exc:
            raise CommandError(exc.message) from exc
        result = import_catalog(source=source, actor=actor, dry_run=dry_run, source_name=path)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("Import refused: %(n)s errors; nothing was changed.") % {"n": len(result.errors)}
            )
        for line in result.summary_lines():
            self.stdout.write(line)
        self.stdout.write(
            _("Done in %(seconds).1f seconds.") % {"seconds": time.perf_counter() - started}
        )

"""`python -m onewindow export_catalog PATH`: export the catalog as .xlsx, .zip or .csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.catalog.io.exporting import WRITERS, export_path


class Command(BaseCommand):
    help = (
        "Export the catalog: .xlsx (every table, Chinese headers), .zip (one CSV per table) or"
        " .csv (items only, the province's column order)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--blank", action="store_true", help="Write the empty template (headers only)."
        )

    def handle(self, *args: Any, path: str, blank: bool, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            suffix = Path(path).suffix.lower().lstrip(".")
            if suffix not in WRITERS:
                raise CommandError(
                    _("Give a file name ending in .xlsx, .zip or .csv (got “%(name)s”).")
                    % {"name": path}
                )
            try:
                export_path(path, blank=blank)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write “%(name)s”: %(reason)s")
                    % {"name": path, "reason": exc.strerror}
                ) from exc
            self.stdout.write(_("Exported to %(path)s.") % {"path": path})

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.core import i18n


class Command(BaseCommand):
    help = "Merge Chinese translations from TSV files (msgid<TAB>translation) into the .po file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")

    def handle(self, *args: Any, paths: list[str], **options: Any) -> None:
        table: dict[str, str] = {}
        for path in paths:
            with Path(path).open(encoding="utf-8", newline="") as fh:
                for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                    if len(row) >= 2 and row[0] and row[1]:
                        table[row[0].replace("\\n", "\n")] = row[1].replace("\\n", "\n")
        po = i18n.merge(i18n.REQUIRED_LANGUAGE, i18n.extract())
        filled = 0
        for entry in po:
            if entry.msgid in table and (not entry.msgstr or "fuzzy" in entry.flags):
                entry.msgstr = table[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                filled += 1
        po.save(str(i18n.po_path(i18n.REQUIRED_LANGUAGE)))
        i18n.compile_catalogs()
        missing = len(i18n.untranslated(po))
        self.stdout.write(f"filled {filled}; still untranslated {missing}")

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core import i18n


class Command(BaseCommand):
    help = "Extract UI strings into the .po files and compile them (pure Python, no gettext)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if a string lacks its Chinese translation or .mo is stale.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        extracted = i18n.extract()
        problems: list[str] = []
        for language in i18n.TRANSLATED_LANGUAGES:
            po = i18n.merge(language, extracted)
            if language == i18n.REQUIRED_LANGUAGE:
                for entry in i18n.untranslated(po):
                    where = ", ".join(f"{f}:{n}" for f, n in entry.occurrences)
                    problems.append(f"untranslated ({language}): {entry.msgid!r} at {where}")
            if check:
                continue
            path = i18n.po_path(language)
            path.parent.mkdir(parents=True, exist_ok=True)
            po.save(str(path))
        if not check:
            i18n.compile_catalogs()
        elif not all(i18n.mo_is_current(lang) for lang in i18n.TRANSLATED_LANGUAGES):
            problems.append(
                "compiled .mo files are stale: run `python -m onewindow sync_translations`"
            )
        self.stdout.write(f"{len(extracted.messages)} messages")
        if problems:
            for p in problems:
                self.stderr.write(p)
            if check:
                raise CommandError(f"{len(problems)} translation problems")

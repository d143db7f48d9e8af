"""python -m onewindow export_case CASE_NUMBER: the case's national exchange fields as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from onewindow.cases.exchange import case_exchange
from onewindow.cases.models import Case


class Command(BaseCommand):
    help = "Print a case in the fields of the provincial exchange formats, as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("number", help="the case number (申办流水号)")

    def handle(self, *args: Any, **options: Any) -> None:
        case = (
            Case.objects.select_related("item", "item_version", "department")
            .filter(number=options["number"].strip())
            .first()
        )
        if case is None:
            raise CommandError(_("No case with number %(number)s.") % {"number": options["number"]})
        self.stdout.write(json.dumps(case_exchange(case), ensure_ascii=False, indent=2))

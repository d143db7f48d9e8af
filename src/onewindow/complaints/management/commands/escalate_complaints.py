"""Escalate overdue, unreplied complaints to their hall manager (idempotent; run by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.complaints.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate every overdue, unreplied complaint to the hall manager, once."

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        for complaint in escalated:
            self.stdout.write(f"escalated {complaint.number} (due {complaint.due_on})")
        self.stdout.write(f"{len(escalated)} complaint(s) escalated.")

"""Per-role navigation of the staff layout: each role sees only what it may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None = None
    roles: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV: list[NavItem] = [
    NavItem(_("Workbench"), "core:home"),
    NavItem(_("Items"), "catalog:manage-items", permission="catalog.change_serviceitem"),
    NavItem(
        _("Delegation matrix"), "catalog:delegation-matrix", permission="catalog.view_delegation"
    ),
    NavItem(
        _("Delegation agreements"),
        "catalog:agreement-list",
        permission="catalog.view_delegationagreement",
    ),
    NavItem(_("Synonyms"), "catalog:synonym-list", permission="catalog.change_synonym"),
    NavItem(_("Import and export"), "catalog:import", permission="catalog.import_catalog"),
    NavItem(_("Working-day calendar"), "core:calendar", permission="core.view_calendarday"),
    NavItem(_("Hall set-up"), "halls:settings", permission="halls.change_window"),
    NavItem(_("Appointment slots"), "booking:slots", permission="tickets.add_appointmentslot"),
    NavItem(_("Live hall status"), "hallstatus:status", permission="tickets.view_hall_status"),
    NavItem(_("Window workstation"), "workstation:page", permission="tickets.serve_ticket"),
    NavItem(_("My window"), "halls:my-window", permission="tickets.serve_ticket"),
    NavItem(_("Service guides"), "catalog:guide-home"),
]


def navigation_for(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [n for n in NAV if n.permission is None or user.has_perm(n.permission)]

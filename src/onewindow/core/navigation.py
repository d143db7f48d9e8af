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
    # Items of one group share a drop-down menu in the header.
    group: str | Promise | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


CATALOG = _("Service catalog")
HALL = _("Hall management")

NAV: list[NavItem] = [
    NavItem(_("Workbench"), "core:home"),
    NavItem(_("Window workstation"), "workstation:page", permission="tickets.serve_ticket"),
    NavItem(_("Live hall status"), "hallstatus:status", permission="tickets.view_hall_status"),
    NavItem(_("Receive an application"), "cases:intake-pick", permission="cases.receive_case"),
    NavItem(_("Online pre-review"), "cases:pre-review-queue", permission="cases.receive_case"),
    NavItem(_("Paper hand-over"), "cases:handover-queue", permission="cases.receive_case"),
    NavItem(_("Review work queue"), "cases:review-queue", permission="cases.review_case"),
    NavItem(
        _("Paper dossiers to receive"), "cases:handover-incoming", permission="cases.review_case"
    ),
    NavItem(_("Results and delivery"), "cases:results-queue", permission="cases.deliver_case"),
    NavItem(
        _("Could-not-get-done complaints"),
        "complaints:list",
        permission="complaints.view_complaint",
    ),
    NavItem(
        _("Consultation window"),
        "consult:record",
        permission="consult.record_consultation",
        group=_("Consultations"),
    ),
    NavItem(
        _("Online questions"),
        "consult:question-queue",
        permission="consult.answer_question",
        group=_("Consultations"),
    ),
    NavItem(
        _("Online human service"),
        "consult:chat-desk",
        permission="consult.chat_with_citizens",
        group=_("Consultations"),
    ),
    NavItem(
        _("Consultations of the hall"),
        "consult:records",
        permission="consult.view_hall_consultations",
        group=_("Consultations"),
    ),
    NavItem(
        _("Consultation statistics"),
        "consult:statistics",
        permission="consult.view_consult_statistics",
        group=_("Consultations"),
    ),
    NavItem(
        _("Items"), "catalog:manage-items", permission="catalog.change_serviceitem", group=CATALOG
    ),
    NavItem(
        _("Delegation matrix"),
        "catalog:delegation-matrix",
        permission="catalog.view_delegation",
        group=CATALOG,
    ),
    NavItem(
        _("Delegation agreements"),
        "catalog:agreement-list",
        permission="catalog.view_delegationagreement",
        group=CATALOG,
    ),
    NavItem(
        _("Synonyms"), "catalog:synonym-list", permission="catalog.change_synonym", group=CATALOG
    ),
    NavItem(
        _("Import and export"),
        "catalog:import",
        permission="catalog.import_catalog",
        group=CATALOG,
    ),
    NavItem(_("Hall set-up"), "halls:settings", permission="halls.change_window", group=HALL),
    NavItem(
        _("Appointment slots"),
        "booking:slots",
        permission="tickets.add_appointmentslot",
        group=HALL,
    ),
    NavItem(_("Assisted handling"), "assist:workbench", permission="assist.handle_request"),
    NavItem(
        _("Assistance requests"),
        "assist:manage-requests",
        permission="assist.assign_request",
        group=HALL,
    ),
    NavItem(
        _("Assisted items"),
        "assist:manage-items",
        permission="assist.change_assisteditem",
        group=HALL,
    ),
    NavItem(_("Duty rosters"), "rosters:manage", permission="rosters.change_dutyshift", group=HALL),
    NavItem(
        _("Rating results"),
        "ratings:results",
        permission="evaluations.view_results",
        group=_("Ratings"),
    ),
    NavItem(
        _("Bad ratings to rectify"),
        "ratings:rectifications",
        permission="evaluations.handle_rectification",
        group=_("Ratings"),
    ),
    NavItem(
        _("Appeals"), "ratings:appeals", permission="evaluations.decide_appeal", group=_("Ratings")
    ),
    NavItem(_("My ratings"), "ratings:mine", permission="evaluations.file_appeal"),
    NavItem(_("Working-day calendar"), "core:calendar", permission="core.view_calendarday"),
    NavItem(_("My window"), "halls:my-window", permission="tickets.serve_ticket"),
    NavItem(_("Service guides"), "catalog:guide-home"),
    NavItem(
        _("Knowledge base"),
        "knowledge:manage-answers",
        permission="knowledge.maintain_answers",
        group=_("Consultations"),
    ),
    NavItem(
        _("Knowledge gaps"),
        "knowledge:manage-gaps",
        permission="knowledge.manage_gaps",
        group=_("Consultations"),
    ),
    NavItem(
        _("Knowledge-base statistics"),
        "knowledge:statistics",
        permission="knowledge.view_knowledge_stats",
        group=_("Consultations"),
    ),
]


def navigation_for(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [n for n in NAV if n.permission is None or user.has_perm(n.permission)]


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    items: tuple[NavItem, ...]


def menu_for(user: Any) -> list[NavItem | NavGroup]:
    """The header menu: single items, and groups (drop-downs) where a group has several items."""
    items = navigation_for(user)
    menu: list[NavItem | NavGroup] = []
    seen: set[str] = set()
    for item in items:
        if item.group is None:
            menu.append(item)
            continue
        key = str(item.group)
        if key in seen:
            continue
        seen.add(key)
        members = tuple(i for i in items if i.group is not None and str(i.group) == key)
        menu.append(members[0] if len(members) == 1 else NavGroup(item.group, members))
    return menu

"""Which permissions each role holds. Groups are kept in step with this table after migrate."""

from __future__ import annotations

from typing import Any

from onewindow.accounts.models import Role

# app_label.codename permissions per role; later issues extend this table.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Window staff call and serve tickets at the window they sign in to; guides also issue
    # tickets at the guide desk.
    Role.GUIDE: ["tickets.add_ticket", "tickets.view_ticket", "tickets.serve_ticket"],
    Role.CLERK: ["tickets.view_ticket", "tickets.serve_ticket", "cases.receive_case"],
    Role.REVIEWER: ["cases.review_case", "cases.view_case"],
    Role.CERTIFICATE_CLERK: ["tickets.view_ticket", "tickets.serve_ticket", "cases.deliver_case"],
    Role.HELPER: ["tickets.view_ticket", "tickets.serve_ticket"],
    Role.COMPLAINT_HANDLER: ["tickets.view_ticket", "tickets.serve_ticket"],
    Role.HALL_MANAGER: [
        "catalog.add_department",
        "catalog.change_department",
        "catalog.view_department",
        "catalog.add_serviceitem",
        "catalog.change_serviceitem",
        "catalog.view_serviceitem",
        "catalog.add_scenario",
        "catalog.change_scenario",
        "catalog.delete_scenario",
        "catalog.add_material",
        "catalog.change_material",
        "catalog.delete_material",
        "catalog.add_reviewpoint",
        "catalog.change_reviewpoint",
        "catalog.delete_reviewpoint",
        "catalog.add_answer",
        "catalog.change_answer",
        "catalog.delete_answer",
        "catalog.add_delegation",
        "catalog.delete_delegation",
        "catalog.view_delegation",
        "catalog.add_delegationagreement",
        "catalog.change_delegationagreement",
        "catalog.view_delegationagreement",
        "catalog.add_synonym",
        "catalog.change_synonym",
        "catalog.delete_synonym",
        "catalog.import_catalog",
        "core.view_auditevent",
        "halls.view_hall",
        "halls.change_hall",
        "halls.add_zone",
        "halls.change_zone",
        "halls.delete_zone",
        "halls.view_zone",
        "halls.add_window",
        "halls.change_window",
        "halls.view_window",
        "tickets.add_queue",
        "tickets.change_queue",
        "tickets.view_queue",
        "tickets.add_windowqueue",
        "tickets.change_windowqueue",
        "tickets.delete_windowqueue",
        "tickets.add_appointmentslot",
        "tickets.change_appointmentslot",
        "tickets.view_appointmentslot",
        "tickets.add_ticket",
        "tickets.view_ticket",
        "tickets.view_hall_status",
    ],
    Role.SUPERVISOR: [
        "core.view_auditevent",
        "catalog.view_serviceitem",
        "tickets.view_ticket",
        "tickets.view_hall_status",
    ],
    Role.ADMINISTRATOR: [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "core.add_calendarday",
        "core.change_calendarday",
        "core.delete_calendarday",
        "core.view_calendarday",
        "core.add_calendaryear",
        "core.view_calendaryear",
        "core.view_auditevent",
        "halls.add_hall",
        "halls.change_hall",
        "halls.view_hall",
    ],
}


def role_permissions() -> dict[str, list[str]]:
    """ROLE_PERMISSIONS with what each installed app adds in its own `roles.PERMISSIONS`
    (apps of later issues keep their grants beside their models)."""
    from importlib import import_module

    from django.apps import apps

    merged = {role: list(keys) for role, keys in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        if not config.name.startswith("onewindow."):
            continue
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.roles":
                raise
            continue
        for role, keys in getattr(module, "PERMISSIONS", {}).items():
            merged.setdefault(role, []).extend(k for k in keys if k not in merged[role])
    return merged


def sync_role_groups(**kwargs: Any) -> None:
    """Create one group per role and set exactly its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    table = role_permissions()
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = [by_key[key] for key in table.get(role, []) if key in by_key]
        group.permissions.set(perms)

"""Demo installation: the real district catalog, the fully written demo items, a demo hall and
one account per role. The only module that reaches into every app; nothing imports it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

PACKAGE_DIR = Path(__file__).resolve().parent
REAL_CATALOG = PACKAGE_DIR / "catalog" / "data" / "guangan-district-items.csv"
DEMO_CATALOG = PACKAGE_DIR / "catalog" / "demo"
DEMO_PASSWORD = "demo-2026"

DEMO_HALLS = [
    {
        "code": "guangan",
        "name": "广安区政务服务中心",
        "address": "广安市广安区政务服务中心（示例地址）",
        "phone": "0826-12345",
        "opening_hours": "周一至周五 9:00–12:00，13:30–17:30；周六、周日 9:00–12:00（七天工作制）",
    },
    {
        "code": "xiexing",
        "name": "协兴镇便民服务中心",
        "address": "广安区协兴镇（示例地址）",
        "phone": "0826-12345",
        "opening_hours": "周一至周五 9:00–12:00，13:30–17:30",
    },
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    department: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("guide", "guide", "刘导办"),
    DemoAccount("clerk", "clerk", "王受理"),
    DemoAccount("reviewer", "reviewer", "陈审批", department="区行政审批局"),
    DemoAccount("certificate", "certificate_clerk", "赵出证"),
    DemoAccount("helper", "helper", "孙帮办"),
    DemoAccount("complaints", "complaint_handler", "周督办"),
    DemoAccount("manager", "hall_manager", "李主任"),
    DemoAccount("supervisor", "supervisor", "吴监察"),
    DemoAccount("admin", "administrator", "郑管理"),
]


def setup_demo(*, stdout: object = None) -> list[DemoAccount]:
    """Idempotent: safe to run again on an existing demo database."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_synonyms", verbosity=0)
    call_command("import_catalog", str(REAL_CATALOG), verbosity=0)
    if DEMO_CATALOG.exists():
        call_command("import_catalog", str(DEMO_CATALOG), verbosity=0)
    _create_halls_and_accounts()
    return DEMO_ACCOUNTS


@transaction.atomic
def _create_halls_and_accounts() -> None:
    from django.contrib.auth.models import Group

    from onewindow.accounts.models import User
    from onewindow.catalog.models import Department
    from onewindow.halls.models import Hall

    halls = []
    for data in DEMO_HALLS:
        hall, _ = Hall.objects.update_or_create(code=data["code"], defaults=data)
        halls.append(hall)
    for account in DEMO_ACCOUNTS:
        department = (
            Department.objects.filter(name=account.department).first()
            if account.department
            else None
        )
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"full_name": account.full_name, "hall": halls[0], "department": department},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = account.role == "administrator"
            user.save()
        user.groups.set([Group.objects.get(name=account.role)])

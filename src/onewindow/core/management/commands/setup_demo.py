from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up (or refresh) the demo: catalog, demo items, halls and one account per role."

    def handle(self, *args: Any, **options: Any) -> None:
        from onewindow import demo
        from onewindow.accounts.models import Role

        accounts = demo.setup_demo()
        labels = dict(Role.choices)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / Demo data ready"))
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）:")
        for a in accounts:
            dept = f" · {a.department}" if a.department else ""
            self.stdout.write(f"  {a.username:<12} {labels[a.role]}（{a.full_name}{dept}）")

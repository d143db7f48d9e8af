from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "onewindow.core"
    verbose_name = _("Core services")

    def ready(self) -> None:
        from onewindow.core.models import CalendarDay, CalendarYear

        for model in (CalendarDay, CalendarYear):
            uid = f"calendar-{model.__name__}"
            post_save.connect(_calendar_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(_calendar_changed, sender=model, dispatch_uid=uid)


def _calendar_changed(**kwargs: Any) -> None:
    from onewindow.core.calendar import forget_calendar

    forget_calendar()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "onewindow.tickets"
    verbose_name = _("Queue")

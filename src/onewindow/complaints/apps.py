from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "onewindow.complaints"
    verbose_name = _("Could-not-get-done complaints")

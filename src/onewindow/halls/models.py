from django.db import models
from django.utils.translation import gettext_lazy as _


class Hall(models.Model):
    """A physical service hall: a county 政务服务中心 or a town 便民服务中心."""

    code = models.SlugField(_("Code"), max_length=30, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    address = models.CharField(_("Address"), max_length=200, blank=True)
    phone = models.CharField(_("Enquiry phone"), max_length=50, blank=True)
    opening_hours = models.CharField(_("Opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = _("Hall")
        verbose_name_plural = _("Hall")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

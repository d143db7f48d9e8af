from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "onewindow.catalog"
    verbose_name = _("Service catalog")

    def ready(self) -> None:
        from onewindow.catalog import delegations
        from onewindow.catalog.models import Delegation, DelegationAgreement, ServiceItem

        # Cached answers of `delegations.delegated_powers` go when what they were read from does.
        for model in (Delegation, DelegationAgreement, ServiceItem):
            uid = f"delegations-{model.__name__}"
            post_save.connect(delegations.changed, sender=model, dispatch_uid=uid)
            post_delete.connect(delegations.changed, sender=model, dispatch_uid=uid)

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "onewindow.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from onewindow.accounts.roles import sync_role_groups

        # Groups and their permissions are code, kept in step after every migrate. Connected
        # for every app, since permissions of apps migrated after this one appear later.
        post_migrate.connect(sync_role_groups, dispatch_uid="onewindow.sync_role_groups")

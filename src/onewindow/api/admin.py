"""API tokens in the admin: created through the service (audited); the key is shown once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.api import services
from onewindow.api.models import ApiToken


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["hall", "kind", "name", "user"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, user, hall = data.get("kind"), data.get("user"), data.get("hall")
        if kind == ApiToken.Kind.STAFF and user is None:
            self.add_error("user", _("A staff token needs a staff member."))
        elif kind and kind != ApiToken.Kind.STAFF and user is not None:
            self.add_error("user", _("Only staff tokens belong to a staff member."))
        elif user is not None and hall is not None and user.hall_id != hall.pk:
            self.add_error("user", _("The staff member must belong to this hall."))
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "hall", "kind", "user", "prefix", "is_active", "last_used_at")
    list_filter = ("hall", "kind", "is_active")
    search_fields = ("name", "prefix")
    actions = ["deactivate"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["hall", "kind", "name", "user"]
        return [
            "hall",
            "kind",
            "name",
            "user",
            "prefix",
            "is_active",
            "created_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return self.get_fields(request, obj)  # revoke with the list action, never edit

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        token, key = services.create_token(
            hall=obj.hall, kind=obj.kind, name=obj.name, user=obj.user, actor=request.user
        )
        obj.pk = token.pk
        obj.prefix = token.prefix
        obj.key_hash = token.key_hash
        messages.warning(
            request,
            _("The key of token “%(name)s” is %(key)s — copy it now; it is not shown again.")
            % {"name": token.name, "key": key},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tokens are deactivated, so the audit trail keeps pointing at them

    @admin.action(description=gettext_lazy("Deactivate selected tokens"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.deactivate_token(token=token, actor=request.user)
        messages.success(request, _("The selected tokens were deactivated."))

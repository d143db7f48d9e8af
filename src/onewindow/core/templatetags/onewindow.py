from typing import Any

from django import template

from onewindow.core import masking

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def mask_id(value: str) -> str:
    return masking.mask_id_number(value or "")


@register.filter
def abs_value(value: int | None) -> int:
    return abs(value or 0)


@register.filter
def mask_name(value: str) -> str:
    return masking.mask_name(value or "")


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value or "")


@register.filter
def workdays(value: int | None) -> str:
    from django.utils.translation import gettext as _

    if value is None:
        return "—"
    if value == 0:
        return _("Done on the spot")
    return _("%(n)s working days") % {"n": value}

"""Identity validators: resident ID (GB 11643), unified social credit code (GB 32100), mobile.

Each `validate_*` raises django.core.exceptions.ValidationError with a Chinese message a clerk
can read to the applicant; each `is_valid_*` returns a bool.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """A mainland resident identity card number (18 digits, last may be X)."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)s."),
            code="length",
            params={"n": len(number)},
        )
    if not _ID_RE.match(number):
        raise ValidationError(
            _("An ID number has only digits; the last may be X."), code="characters"
        )
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth in the ID number is not valid."), code="birthdate"
        ) from None
    # Today in the installation's time zone, not the server's: a baby born today is valid.
    if born.year < 1880 or born > timezone.localdate():
        raise ValidationError(
            _("The date of birth in the ID number is not valid."), code="birthdate"
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of the ID number is wrong. Please check and re-enter it."),
            code="checksum",
        )


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码), 18 characters."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s."),
            code="length",
            params={"n": len(code)},
        )
    if not _USCC_RE.match(code):
        raise ValidationError(
            _(
                "The unified social credit code contains invalid characters "
                "(I, O, Z, S and V are not used)."
            ),
            code="characters",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check character of the unified social credit code is wrong. "
                "Please check and re-enter it."
            ),
            code="checksum",
        )


def is_valid_credit_code(value: str) -> bool:
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True


def normalize_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    return number


def validate_mobile(value: str) -> None:
    """A mainland mobile number: 11 digits starting 13–19."""
    if not _MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1, e.g. 13812345678."), code="mobile"
        )


def is_valid_mobile(value: str) -> bool:
    try:
        validate_mobile(value)
    except ValidationError:
        return False
    return True

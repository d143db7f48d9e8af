"""Masking for display in lists and exports: show enough to recognise, not enough to misuse."""

# However short a value, at least this many characters are hidden.
_MIN_HIDDEN = 4


def _mask(value: str, head: int, tail: int) -> str:
    """Keep up to `head` leading and `tail` trailing characters, hiding at least _MIN_HIDDEN.

    Short values (a passport number in an ID field, a 7-digit landline) give up kept characters
    rather than showing in full.
    """
    n = len(value)
    if n <= _MIN_HIDDEN:
        return "*" * n
    while head + tail > n - _MIN_HIDDEN:
        if head >= tail:
            head -= 1
        else:
            tail -= 1
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def mask_id_number(value: str) -> str:
    """110101********1234 — region and last four."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return _mask(value, 6, 4)


def mask_credit_code(value: str) -> str:
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return _mask(value, 4, 4)


def mask_phone(value: str) -> str:
    """138****5678."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return _mask(value, 3, 4)


def mask_name(value: str) -> str:
    """张*明 / 王* — keep the family name (and the last character of long names)."""
    value = (value or "").strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]

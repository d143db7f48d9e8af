"""Pluggable SMS backends, chosen by the `ONEWINDOW_SMS_BACKEND` setting.

Like Django's e-mail backends: the default `LogBackend` writes each message to the
`onewindow.sms` logger (the phone number masked), `MemoryBackend` keeps messages in
`sms.outbox` for tests. A real gateway is a class with a `send(*, phone, message)` method.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.core.masking import mask_phone

logger = logging.getLogger("onewindow.sms")

DEFAULT_BACKEND = "onewindow.tickets.sms.LogBackend"


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


# Filled by MemoryBackend, like django.core.mail.outbox.
outbox: list[Message] = []


class BaseBackend:
    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class LogBackend(BaseBackend):
    """Writes the message to the log instead of sending it."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), message)


class MemoryBackend(BaseBackend):
    """Keeps messages in `onewindow.tickets.sms.outbox` (tests)."""

    def send(self, *, phone: str, message: str) -> None:
        outbox.append(Message(phone=phone, text=message))


def get_backend() -> BaseBackend:
    path = getattr(settings, "ONEWINDOW_SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND
    return import_string(path)()


def send_sms(*, phone: str, message: str) -> bool:
    """Send one message; a failing gateway is logged, never raised into the caller."""
    try:
        get_backend().send(phone=phone, message=message)
    except Exception:
        logger.exception("SMS to %s failed", mask_phone(phone))
        return False
    return True

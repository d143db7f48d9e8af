"""Request and response bodies of the device API."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in Chinese, to show to the user.")
    code: str = Field(description="A short English slug for programs, e.g. `quota`.")
    field: str | None = Field(None, description="The request field that caused it, if any.")


class IssueIn(Schema):
    queue_prefix: str = Field(description="The queue's prefix, e.g. `A`.", max_length=2)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=18)
    priority: str = Field("", description="elderly, disabled, pregnant, military or empty.")
    matters: list[int] = Field(default_factory=list, description="Service item ids.")


class CheckInIn(Schema):
    code: str = Field(description="The booking code.", max_length=20)


class TicketOut(Schema):
    code: str
    queue: str = Field(description="The queue's prefix.")
    queue_name: str
    status: str
    status_label: str
    issued_at: datetime.datetime
    people_ahead: int
    estimated_wait_minutes: int
    window_number: int | None = None
    call_count: int
    status_url: str = Field(description="The ticket's live status page (the QR code's link).")


class WindowResultOut(Schema):
    window_id: int
    window_number: int
    ticket: TicketOut | None = Field(description="The ticket acted on; null: nobody waiting.")
    detail: str = ""


class FinishIn(Schema):
    outcome: str = Field(description="handled, partly, not_handled or redirected.")
    matters: list[int] = Field(default_factory=list, description="Service item ids handled.")


class TransferIn(Schema):
    to_queue_prefix: str = Field("", max_length=2)
    to_window_number: int | None = None
    reason: str = Field(max_length=200)


DisplayOut = dict[str, Any]

"""Request and response bodies of the device API."""

from __future__ import annotations

import datetime
from typing import Any, Literal

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


# Cases (back office and front desk) -------------------------------------------------------------


class PaperOut(Schema):
    state: str = Field(description="none, on_its_way (on a hand-over sheet) or received.")
    sheet: str | None = Field(None, description="The hand-over sheet's number.")
    documents: int | None = Field(None, description="Paper documents on the sheet.")
    handed_over_at: datetime.datetime | None = None
    received_at: datetime.datetime | None = None


class CaseRowOut(Schema):
    number: str
    status: str
    status_label: str
    item_code: str
    item_name: str
    scenario: str
    department: str
    applicant: str = Field(description="The applicant's name, masked (张*明).")
    channel: str
    received_at: datetime.datetime
    accepted_on: datetime.date | None
    due_on: datetime.date | None = Field(description="The promised date; null while paused.")
    light: str = Field(description="green, yellow, red, paused, or none (not running).")
    remaining_days: int | None = Field(description="Working days left; negative when overdue.")
    reviewer: str | None
    paper: str = Field(description="none, on_its_way or received.")


class CaseListOut(Schema):
    role: str = Field(description="reviewer (the department's work list) or hall (the hall's).")
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CaseRowOut]


class ClockOut(Schema):
    light: str
    limit_days: int
    used_days: int
    remaining_days: int
    due_on: datetime.date | None
    paused: bool


class CaseMaterialOut(Schema):
    code: str
    name: str
    required: bool
    state: str
    state_label: str
    paper: bool
    electronic: bool
    copies: int
    original_verified: bool
    deferred_until: datetime.date | None


class CaseEventOut(Schema):
    action: str
    label: str
    at: datetime.datetime
    from_status: str
    to_status: str
    actor: str | None
    power: str
    note: str


class CaseOut(Schema):
    number: str
    status: str
    status_label: str
    item_code: str
    item_name: str
    item_version: int
    scenario: str
    department: str
    hall: str
    channel: str
    applicant_kind: str
    applicant: str
    id_number: str = Field(description="Masked: region and last four only.")
    agent: str
    received_at: datetime.datetime
    accepted_at: datetime.datetime | None
    accepted_on: datetime.date | None
    deemed_accepted: bool
    promised_limit_days: int
    statutory_limit_days: int | None
    due_on: datetime.date | None
    decided_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    result_code: str | None
    visits: int
    reviewer: str | None
    clock: ClockOut | None = Field(description="null before acceptance and once final.")
    paper: PaperOut
    materials: list[CaseMaterialOut]
    timeline: list[CaseEventOut]


class DecisionIn(Schema):
    decision: Literal["approve", "deny"]
    opinion: str = Field(description="The review opinion (required).", max_length=2000)
    reasons: str = Field("", description="Required for a denial (Art. 38).", max_length=2000)

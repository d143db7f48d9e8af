"""Permissions of the consultation app per role (merged into the role groups after migrate)."""

from onewindow.accounts.models import Role

PERMISSIONS = {
    # Guides record consultations at the window and answer online questions of their hall.
    Role.GUIDE: [
        "consult.record_consultation",
        "consult.answer_question",
        "consult.chat_with_citizens",
    ],
    # Hall managers do the same, see every consultation of the hall and the statistics.
    Role.HALL_MANAGER: [
        "consult.record_consultation",
        "consult.answer_question",
        "consult.chat_with_citizens",
        "consult.view_hall_consultations",
        "consult.view_consult_statistics",
    ],
    # Supervisors read the statistics and the records, and change nothing.
    Role.SUPERVISOR: [
        "consult.view_hall_consultations",
        "consult.view_consult_statistics",
    ],
}

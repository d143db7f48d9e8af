"""Who may do what in assisted handling (merged into the role groups after migrate)."""

from onewindow.accounts.models import Role

PERMISSIONS = {
    Role.HELPER: [
        "assist.handle_request",
        "assist.register_request",
        "assist.view_assistrequest",
        # A helper starts intake as the applicant's agent.
        "cases.receive_case",
    ],
    Role.GUIDE: ["assist.register_request"],
    Role.HALL_MANAGER: [
        "assist.add_assisteditem",
        "assist.change_assisteditem",
        "assist.view_assisteditem",
        "assist.view_assistrequest",
        "assist.register_request",
        "assist.assign_request",
        "assist.view_assist_statistics",
    ],
    Role.SUPERVISOR: ["assist.view_assistrequest", "assist.view_assist_statistics"],
}

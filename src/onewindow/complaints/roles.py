"""Which roles may do what with complaints (merged into the role groups after migrate).

The “办不成事” window registers and dispatches complaints and follows them up; a department's
back-office staff handle those assigned to their department; hall managers see and do
everything in their hall and read the statistics; supervisors watch (read-only). The 12345
hotline files complaints through the API with a staff token whose account holds
`complaints.hotline_intake` (granted to that account alone, not to a role).
"""

from onewindow.accounts.models import Role

PERMISSIONS = {
    Role.COMPLAINT_HANDLER: [
        "complaints.view_complaint",
        "complaints.register_complaint",
        "complaints.assign_complaint",
        "complaints.handle_complaint",
    ],
    Role.REVIEWER: [
        "complaints.view_complaint",
        "complaints.handle_complaint",
    ],
    Role.HALL_MANAGER: [
        "complaints.view_complaint",
        "complaints.register_complaint",
        "complaints.assign_complaint",
        "complaints.handle_complaint",
        "complaints.view_complaint_statistics",
    ],
    Role.SUPERVISOR: [
        "complaints.view_complaint",
        "complaints.view_complaint_statistics",
    ],
}

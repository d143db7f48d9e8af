"""Who may do what with ratings. Nobody may create or change one: that is `services.rate`'s,
from the rater's own action."""

from onewindow.accounts.models import Role

PERMISSIONS = {
    Role.HALL_MANAGER: [
        "evaluations.view_results",
        "evaluations.handle_rectification",
        "evaluations.decide_appeal",
        "evaluations.view_evaluation",
    ],
    Role.SUPERVISOR: ["evaluations.view_results", "evaluations.view_evaluation"],
    Role.CLERK: ["evaluations.file_appeal"],
    Role.CERTIFICATE_CLERK: ["evaluations.file_appeal"],
    Role.GUIDE: ["evaluations.file_appeal"],
}

"""Knowledge-base permissions per role (merged into the role groups after migrate)."""

from onewindow.accounts.models import Role

QUICK = "knowledge.use_quick_answers"
MAINTAIN = "knowledge.maintain_answers"
GAPS = "knowledge.manage_gaps"
STATS = "knowledge.view_knowledge_stats"

PERMISSIONS = {
    Role.GUIDE: [QUICK, MAINTAIN],
    Role.CLERK: [QUICK],
    Role.CERTIFICATE_CLERK: [QUICK],
    Role.HELPER: [QUICK],
    Role.COMPLAINT_HANDLER: [QUICK],
    Role.HALL_MANAGER: [QUICK, MAINTAIN, GAPS, STATS],
    Role.SUPERVISOR: [STATS],
}

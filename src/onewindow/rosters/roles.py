"""Hall managers plan the duty rosters."""

from onewindow.accounts.models import Role

PERMISSIONS = {
    Role.HALL_MANAGER: [
        "rosters.add_dutyshift",
        "rosters.change_dutyshift",
        "rosters.delete_dutyshift",
        "rosters.view_dutyshift",
    ],
    Role.SUPERVISOR: ["rosters.view_dutyshift"],
}

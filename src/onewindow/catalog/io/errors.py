"""What goes wrong in an import: one record per bad cell, or an unreadable file."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    """One problem in the file, located as `表 第N行 列名：原因`.

    `table` and `column` are the template keys (empty when the problem is not in a known table or
    column); `sheet` and `column_name` are what the manager reads (the template's Chinese names,
    or the sheet/header text as found in the file).
    """

    sheet: str
    row: int | None
    column_name: str
    message: str
    table: str = ""
    column: str = ""
    # Column position in the file (for sorting errors as the manager reads the sheet).
    position: int = -1

    def __str__(self) -> str:
        if self.row is None and not self.column_name:
            if not self.sheet:
                return self.message
            return _("%(sheet)s: %(message)s") % {"sheet": self.sheet, "message": self.message}
        if self.row is None:
            return _("%(sheet)s %(column)s: %(message)s") % {
                "sheet": self.sheet,
                "column": self.column_name,
                "message": self.message,
            }
        if not self.column_name:
            return _("%(sheet)s row %(row)s: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "message": self.message,
            }
        return _("%(sheet)s row %(row)s %(column)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column_name,
            "message": self.message,
        }


class UnreadableFile(Exception):
    """The file is not a spreadsheet we can read at all; the message says why, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

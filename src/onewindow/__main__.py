"""`python -m onewindow <command>` / `onewindow <command>`: Django management commands.

Lets an installed OneWindow run outside the source tree (no manage.py needed).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "onewindow"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

"""Create a device or staff API token and print its key (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.accounts.models import User
from onewindow.api import services
from onewindow.api.models import ApiToken
from onewindow.halls.models import Hall


class Command(BaseCommand):
    help = "Create an API token for a hall's kiosk, display, rating pad or a staff member."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("hall", help="The hall's code, e.g. guangan.")
        parser.add_argument("kind", choices=ApiToken.Kind.values)
        parser.add_argument("name", help="A name for the device or person, e.g. 'Kiosk 1'.")
        parser.add_argument("--user", help="Username; required for staff tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        hall = Hall.objects.filter(code=options["hall"]).first()
        if hall is None:
            raise CommandError(f"No hall with code {options['hall']!r}.")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            token, key = services.create_token(
                hall=hall, kind=options["kind"], name=options["name"], user=user, actor=None
            )
        except services.TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Token {token.pk} ({token}) for {hall.code}. Key (shown once):")
        self.stdout.write(key)

"""`manage.py api_tokens create|list|revoke`: service tokens from the command line (the page is under the user menu)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken, Scope
from kernel.models import Project


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. The secret is printed once, at creation; only its sha256 is kept."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new token for a user")
        create.add_argument("username")
        create.add_argument("name", help="what it is for, e.g. 'bank'")
        create.add_argument("--write", action="store_true", help="may change things (default: read only)")
        create.add_argument("--project", action="append", default=[], metavar="CODE",
                            help="only this project (repeat for several; none: all the user's projects)")
        listing = sub.add_parser("list", help="a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by the characters it starts with")
        revoke.add_argument("username")
        revoke.add_argument("hint", help="its first characters, as `list` shows them (rep_XXXXXX)")

    def handle(self, *args, action: str, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no user {username!r}")
        if action == "create":
            projects = list(Project.objects.filter(code__in=options["project"]))
            missing = set(options["project"]) - {p.code for p in projects}
            if missing:
                raise CommandError(f"no such project: {', '.join(sorted(missing))}")
            token, secret = ApiToken.issue(user, options["name"], projects=projects,
                                           scope=Scope.WRITE if options["write"] else Scope.READ)
            self.stdout.write(f"{secret}\n(shown once; {token.get_scope_display()}, "
                              f"{', '.join(p.code for p in projects) or 'all the user’s projects'})")
        elif action == "list":
            for t in ApiToken.objects.filter(user=user).prefetch_related("projects"):
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M %Z}" if t.revoked_at else "active"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M %Z}" if t.last_used_at else "never"
                self.stdout.write(f"{t.hint}…  {t.name}  {t.scope}  "
                                  f"{','.join(p.code for p in t.projects.all()) or 'all'}  last used {used}  {state}")
        else:
            count = ApiToken.objects.filter(user=user, hint=options["hint"].rstrip("…"),
                                            revoked_at__isnull=True).update(revoked_at=timezone.now())
            if not count:
                raise CommandError(f"{username} has no active token starting {options['hint']}")
            self.stdout.write(f"revoked {count} token(s)")

"""`manage.py commission_statement --project CODE --agent KIND:ID --month YYYY-MM`: an agent's monthly statement."""
from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from extensions.api import Project, money_text
from plugins.commission.models import BeneficiaryKind
from plugins.commission.statement import statement

AGENT = re.compile(rf"^({'|'.join(BeneficiaryKind.values)}):(.+)$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Command(BaseCommand):
    help = "Print one agent's commission statement for one month: totals, balances and every event."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="CODE")
        parser.add_argument("--agent", required=True, metavar="KIND:ID",
                            help="channel:<code>, consultant:<user id> or referrer:<key>")
        parser.add_argument("--month", required=True, metavar="YYYY-MM")

    def handle(self, *args, project: str, agent: str, month: str, **options):
        found = Project.objects.filter(code=project).first()
        if found is None:
            raise CommandError(f"no project with code {project!r}")
        who, when = AGENT.match(agent), MONTH.match(month)
        if who is None:
            raise CommandError(f"--agent must be channel:<code>, consultant:<user id> or referrer:<key>, not {agent!r}")
        if when is None:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}")
        s = statement(found.pk, who.group(1), who.group(2), int(when.group(1)), int(when.group(2)))
        zone = found.zone
        self.stdout.write(f"{project} {agent} {month}")
        for label, value in [("opening pending", s.opening_pending), ("opening payable", s.opening_payable),
                             ("earned", s.earned), ("reversed", s.reversed), ("paid", s.paid),
                             ("closing pending", s.closing_pending), ("closing payable", s.closing_payable)]:
            self.stdout.write(f"{label:>16}: {money_text(value):>14}")
        for line in s.lines:
            self.stdout.write(f"{line.at.astimezone(zone):%Y-%m-%d %H:%M} {line.reference:<12} {line.event:<9} "
                              f"{money_text(line.amount):>14}  {line.note}")

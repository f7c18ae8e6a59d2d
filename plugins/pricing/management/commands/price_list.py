"""`manage.py price_list --project CODE [--building 3]`: the price list the rules generate, as CSV."""
from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from extensions.api import PluginError, Project, decimal_text, money_text
from plugins.pricing.generated_list import generated_price_list
from plugins.pricing.price_list import NoBasePrice


class Command(BaseCommand):
    help = "Print the price list the project's pricing rules generate, beside each unit's current list price."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="CODE")
        parser.add_argument("--building", metavar="CODE", help="only this building")

    def handle(self, *args, project: str, building: str | None, **options):
        found = Project.objects.filter(code=project).first()
        if found is None:
            raise CommandError(f"no project with code {project!r}")
        try:
            listed = generated_price_list(found.pk, building)
        except (PluginError, NoBasePrice) as exc:
            raise CommandError(str(exc)) from None
        out = csv.writer(self.stdout)
        out.writerow(["unit", "basis", "area", "floor_coefficient", "orientation_coefficient", "price_per_m2",
                      "total", "current_list_price", "change"])
        for item in listed:
            line = item.line
            out.writerow([line.code, line.basis.value, decimal_text(line.area) or "",
                          decimal_text(line.floor_coefficient), decimal_text(line.orientation_coefficient),
                          money_text(line.price_per_m2) or "", money_text(line.total), money_text(item.current),
                          money_text(item.change)])

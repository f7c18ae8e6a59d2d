"""`python manage.py demo_history [--project CODE]`: the demo projects' past months of figures (figures.demo).

load_demo runs it last; once per project.
"""
from django.core.management.base import BaseCommand

from figures import demo
from kernel.models import Project


class Command(BaseCommand):
    help = "Fill the demo projects with six months of customers, visits, deals, payments and targets."

    def add_arguments(self, parser):
        parser.add_argument("--project", action="append", help="project code (default: DEMO)")

    def handle(self, *args, **options):
        for code in options["project"] or ["DEMO"]:
            project = Project.objects.filter(code=code).first()
            if project is None:
                continue
            made = demo.load(project)
            if made:
                self.stdout.write(f"{code}: {made['customers']} customers, {made['visits']} visits, "
                                  f"{made['deals']} deals, {made['payments']} payments of history added")

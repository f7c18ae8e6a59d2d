"""`manage.py export KIND --project CODE FILE`: units, customers, payments, the commission or points ledger to .xlsx
or .csv (by the extension).

Customers' phones are masked as --user would see them on screen; without --user every
phone is masked (a script is nobody in particular).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from imports import exports
from kernel.models import Project
from kernel.visibility import PhoneVisibility


class Command(BaseCommand):
    help = "Export units, customers, payments, commissions or points of a project to .xlsx or .csv."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=exports.KINDS)
        parser.add_argument("file")
        parser.add_argument("--project", required=True)
        parser.add_argument("--user", help="export as this user sees it (phones)")
        parser.add_argument("--lang", choices=("zh", "en"), default="zh")

    def handle(self, *args, kind, file, project, user, lang, **options):
        language = "zh-hans" if lang == "zh" else "en"
        if not file.lower().endswith((".xlsx", ".csv")):
            raise CommandError(f"{file}: give a .xlsx or .csv file name")
        found = Project.objects.filter(code=project).first()
        if found is None:
            raise CommandError(f"no project {project}")
        person = User.objects.filter(username=user).first() if user else None
        if user and person is None:
            raise CommandError(f"no user {user}")
        with translation.override(language):
            if kind == "customers":
                table = exports.customers(found, PhoneVisibility.for_user(person, found.pk))
            else:
                table = getattr(exports, kind)(found)
            with Path(file).open("wb") as out:
                exports.write(table, found, file, language, out)
        self.stdout.write(f"{file}: {kind} of {found.code}")

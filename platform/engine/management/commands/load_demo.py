"""Load fixtures/demo/demo.yaml: projects with their published flows, and users.

Idempotent: run it again and it only fills in what is missing.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from engine import versions
from kernel.models import Project


class Command(BaseCommand):
    help = "Load the demo projects, users and published flows."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.ROOT_DIR) / "fixtures" / "demo" / "demo.yaml"))

    @transaction.atomic
    def handle(self, *args, **options):
        data = yaml.safe_load(Path(options["file"]).read_text(encoding="utf-8"))
        for item in data.get("projects", []):
            project, created = Project.objects.get_or_create(
                code=item["code"], defaults={"name": item["name"], "settings": item.get("settings", {})})
            project.full_clean()
            for flow in item.get("publish", []):
                result = versions.publish(project, flow)
                if result.created:
                    self.stdout.write(f"published {project.code}/{flow} v{result.version.number}")
        User = get_user_model()
        for item in data.get("users", []):
            user, created = User.objects.get_or_create(username=item["username"], defaults={
                "display_name": item.get("display_name", ""),
                "is_superuser": item.get("superuser", False), "is_staff": True})
            if created:
                user.set_password(item["password"])
                user.save()
            self.stdout.write(f"login: {item['username']} / {item['password']}  {item.get('note', '')}")
        self.stdout.write(self.style.SUCCESS("demo loaded"))

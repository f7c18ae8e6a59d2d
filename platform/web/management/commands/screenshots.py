"""Regenerate docs/screenshots/ from a running platform: the main pages, in Chinese and English.

    python manage.py screenshots --url http://127.0.0.1:8000

`bin/screenshots` starts a fresh demo, runs this against it and stops it again.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PAGES = [
    # (file, user, path, language)
    ("inbox", "consultant", "/", "zh-hans"),
    ("record", "consultant", "{record}", "zh-hans"),
    ("sale-control-chart", "manager", "/projects/DEMO/chart/", "zh-hans"),
    ("flow-studio", "admin", "/studio/DEMO/subscription/", "zh-hans"),
    ("inbox-en", "manager", "/", "en"),
]


class Command(BaseCommand):
    help = "Take screenshots of the main pages into docs/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--out", default=str(Path(settings.ROOT_DIR) / "docs" / "screenshots"))
        parser.add_argument("--password", default="demo1234", help="password of the demo role users")

    def handle(self, *args, **options):
        from playwright.sync_api import sync_playwright

        from engine.models import Record

        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        # a record the consultant can act on, so the page shows its next steps
        record = (Record.objects.filter(project__code="DEMO", flow="reservation", state="draft").first()
                  or Record.objects.filter(project__code="DEMO").order_by("-pk").first())
        chromium = Path("/usr/bin/chromium")
        if not chromium.exists():
            raise CommandError("install Debian's chromium first (apt-get install chromium)")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            for name, user, path, language in PAGES:
                if "{record}" in path:
                    if record is None:
                        continue
                    path = f"/records/{record.pk}/"
                context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=language)
                page = context.new_page()
                page.goto(f"{options['url']}/login/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", "admin" if user == "admin" else options["password"])
                page.click("button[type=submit]")
                page.wait_for_url(f"{options['url']}/")
                if language != "zh-hans":
                    with page.expect_navigation():
                        page.select_option("select[name=language]", language)
                page.goto(f"{options['url']}{path}")
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=False)
                self.stdout.write(f"wrote {target.relative_to(Path(settings.ROOT_DIR)) if target.is_relative_to(Path(settings.ROOT_DIR)) else target}")
                context.close()
            browser.close()

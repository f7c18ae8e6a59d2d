"""Regenerate docs/screenshots/ from a running demo: the staff pages, in Chinese and English.

    python manage.py screenshots --url http://127.0.0.1:8000

`bin/screenshots` starts a fresh demo, runs this against it and stops it again. The
command and the server must share one database: before the screenshots it runs three
deals through the engine's services (as staff would), so that the pages have a record
in each state they show, which the demo fixture does not have:

- SUB quoted, in draft, its task claimed by the consultant: the current step's form
  (customer picker, buyers editor) and the task actions (transfer);
- SUB with a discount above 5 % submitted and approved by the director: finance sees
  the countersign panel with the money impact and one vote;
- SUB with a discount above 2 % submitted and sent back by the sales manager with a
  reason: the consultant's "sent back to me" view and a history in words;
- SUB with a discount above 2 % waiting for the sales manager: an approval in the
  manager's inbox (bulk approve).

Running it again reuses those deals (found by their units).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

if TYPE_CHECKING:  # playwright is imported in handle(), only when screenshots are taken
    from playwright.sync_api import ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}

# Deals the screenshots need; the demo's customers, units of building 5 nobody holds.
PICKERS, APPROVAL, SENT_BACK, WAITING = "5-1205", "5-1506", "5-0806", "5-0906"


@dataclass
class Shot:
    name: str
    user: str
    path: str                     # may name a prepared record: {pickers}, {approval}, {sent_back}
    viewport: ViewportSize = field(default_factory=lambda: DESKTOP)
    language: str = "zh-hans"
    then: Callable | None = None  # what to do on the page before the picture
    full_page: bool = False


def _open_dialog(label: str):
    def act(page):
        page.get_by_role("button", name=label, exact=True).first.click()
        page.locator("dialog[open]").first.wait_for()
    return act


def _open_unit_card(code: str):
    def act(page):
        page.locator(f'td[data-unit="{code}"] a[data-card]').click()
        page.locator("#unit-dialog[open] [data-unit-card]").wait_for()
    return act


def _scroll_to(selector: str):
    def act(page):
        page.locator(selector).first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -16)")
    return act


SHOTS = [
    Shot("inbox", "consultant", "/"),
    Shot("inbox-phone", "consultant", "/", viewport=PHONE),
    Shot("record-step", "consultant", "{pickers}", full_page=True),
    Shot("record-submit", "consultant", "{pickers}", then=_scroll_to("form[data-step=submit]")),
    Shot("approval", "finance", "{approval}"),
    Shot("history", "consultant", "{sent_back}", then=_scroll_to("#history-title")),
    Shot("inbox-sent-back", "consultant", "/?view=sent_back"),
    Shot("task-transfer", "consultant", "{pickers}", then=_open_dialog("转交")),
    Shot("sale-control-chart", "manager", "/projects/DEMO/chart/"),
    Shot("unit-card", "consultant", "/projects/DEMO/chart/?building={building5}", then=_open_unit_card("5-1201")),
    Shot("record-phone", "consultant", "{pickers}", viewport=PHONE),
    Shot("flow-studio", "admin", "/studio/DEMO/reservation/"),
    Shot("inbox-en", "manager", "/", language="en"),
    # the customer front desk (issue 14)
    Shot("front-desk-phone", "consultant", "/projects/DEMO/front-desk/", viewport=PHONE,
         then=lambda page: _type_phone(page, "15167890123")),
    Shot("front-desk", "consultant", "/projects/DEMO/front-desk/", full_page=True),
    Shot("customer-360", "consultant", "{zhang}", full_page=True),
    Shot("customer-list", "manager", "/projects/DEMO/customers/?all=1"),
    Shot("my-customers", "consultant", "/customers/mine/"),
    Shot("follow-up-phone", "consultant", "{zhang_follow_up}", viewport=PHONE),
]


def _type_phone(page, number: str) -> None:
    """Type a colleague's customer's number at the front desk: the lookup says whose customer it is."""
    page.locator("input[name=phone]").press_sequentially(number)
    page.locator("#phone-lookup [data-lookup]").wait_for()


class Command(BaseCommand):
    help = "Take screenshots of the staff pages into docs/screenshots/ (prepares the deals they show)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--out", default=str(Path(settings.ROOT_DIR) / "docs" / "screenshots"))
        parser.add_argument("--password", default="demo1234", help="password of the demo role users")
        parser.add_argument("--only", nargs="*", help="take only these screenshots (by file name)")

    def handle(self, *args, **options):
        from playwright.sync_api import sync_playwright

        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        names = self._prepare()
        chromium = Path("/usr/bin/chromium")
        if not chromium.exists():
            raise CommandError("install Debian's chromium first (apt-get install chromium)")
        base = options["url"].rstrip("/")
        shots = [s for s in SHOTS if not options["only"] or s.name in options["only"]]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            for shot in shots:
                context = browser.new_context(viewport=shot.viewport, locale="zh-CN",
                                              device_scale_factor=1, has_touch=shot.viewport is PHONE)
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.goto(f"{base}/login/")
                page.fill("input[name=username]", shot.user)
                page.fill("input[name=password]", "admin" if shot.user == "admin" else options["password"])
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                if shot.language != "zh-hans":
                    with page.expect_navigation():
                        page.select_option("select[name=language]", shot.language)
                page.goto(base + shot.path.format(**names))
                page.wait_for_load_state("networkidle")
                if shot.then:
                    shot.then(page)
                target = out / f"{shot.name}.png"
                page.screenshot(path=str(target), full_page=shot.full_page)
                root = Path(settings.ROOT_DIR)
                self.stdout.write(f"wrote {target.relative_to(root) if target.is_relative_to(root) else target}")
                context.close()
            browser.close()

    def _prepare(self) -> dict[str, str]:
        """The record pages the shots open, running the deals they need through the engine when missing."""
        from engine.models import Record, Task
        from engine.runtime import approvals, moves, records, tasks, transitions
        from kernel.models import Building, Customer, Project, Unit

        project = Project.objects.filter(code="DEMO").first()
        if project is None:
            raise CommandError("no DEMO project: run `manage.py load_demo` first")
        User = get_user_model()
        user = {u.username: u for u in User.objects.filter(
            username__in=["consultant", "manager", "director", "finance"])}
        if len(user) < 4:
            raise CommandError("the demo users are missing: run `manage.py load_demo` first")

        def deal_on(code: str):
            unit = Unit.objects.get(project=project, code=code)
            return unit, Record.objects.filter(project=project, flow="subscription",
                                               data__unit_id=unit.pk).order_by("-pk").first()

        def subscription(code: str, phone: str, discount: str, submit: bool):
            unit, record = deal_on(code)
            if record is not None:
                return record, False
            customer = Customer.objects.get(phone__endswith=phone)
            record = records.start_record(user["consultant"], project, "subscription",
                                          {"unit_id": unit.pk, "customer_id": customer.pk})
            record = transitions.fire(user["consultant"], record.pk, "quote", {
                "unit_id": unit.pk, "payment_plan": "commercial_mortgage", "discount_rate": discount})
            if submit:
                record = transitions.fire(user["consultant"], record.pk, "submit", {
                    "buyers": [{"customer_id": customer.pk}], "deposit": "50000.00"})
            return record, True

        pickers, new = subscription(PICKERS, "18723456701", "0", submit=False)
        if new:
            task = Task.objects.filter(record=pickers, status="open").first()
            if task is not None:
                tasks.claim(user["consultant"], task.pk)
        approval, new = subscription(APPROVAL, "13745678901", "0.06", submit=True)
        if new:
            open_approvals = list(Task.objects.filter(record=approval, status="open", kind="approval").order_by("pk"))
            task = next((t for t in open_approvals if "project_director" in t.roles), open_approvals[0])
            approvals.vote(user["director"], task.pk, "approve", "价格在本月授权范围内，同意。")
        sent_back, new = subscription(SENT_BACK, "15056789012", "0.03", submit=True)
        if new:
            moves.send_back(user["manager"], sent_back.pk, "draft",
                            "折扣超出本周活动口径，请与客户确认后按 2% 以内重新报价。")
        subscription(WAITING, "13634567890", "0.03", submit=True)
        building5 = Building.objects.get(project=project, code="5")
        zhang = Customer.objects.get(phone="+8613812341234")
        return {"zhang": f"/customers/{zhang.pk}/", "zhang_follow_up": f"/projects/DEMO/customers/{zhang.pk}/follow-up/",
                "pickers": f"/records/{pickers.pk}/", "approval": f"/records/{approval.pk}/",
                "sent_back": f"/records/{sent_back.pk}/", "building5": str(building5.pk)}

"""Issue 14's scenario: the sales floor's front desk in a real browser.

A consultant registers a walk-in from the phone (390×844); the same number typed by a
second consultant shows the protection and is refused in words; the first logs a
follow-up due today, whose reminder is in the inbox on the day; and the customer is
picked by name in a reservation. Nobody types an id or JSON.
"""
import pytest
from django.utils import timezone

from engine.models import Record
from kernel.models import Customer, CustomerRegistration, FollowUp, Visit
from tests.flows.conftest import world  # noqa: F401  (the S1 project, a user per role, units, rules)
from tests.kernel.conftest import make_user

from .journey import Personas, fits, start, state, summary

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
NUMBER = "139 0011 2233"


def test_a_walk_in_registered_from_the_phone_protected_followed_up_and_picked_by_name(browser, live_server,
                                                                                      world):  # noqa: F811
    p, users, units = world
    make_user("sales_consultant2", p, "sales_consultant")
    users["sales_consultant"].display_name = "王敏"
    users["sales_consultant"].save()
    on_phone = Personas(browser, live_server, viewport=PHONE)
    desktop = Personas(browser, live_server)
    try:
        # 1. at the front desk on a phone, the consultant types the number: a new customer
        sc = on_phone("sales_consultant")
        sc.goto(f"{live_server.url}/")
        sc.locator("details.menu > summary").click()
        with sc.expect_navigation():
            sc.locator("nav a[data-nav=front-desk]").click()
        sc.locator("input[name=phone]").press_sequentially(NUMBER)  # typed, as the lookup follows typing
        sc.locator("#phone-lookup [data-lookup=new]").wait_for()
        sc.fill("input[name=name]", "周建华")
        sc.locator("label", has=sc.locator("input[name=kind][value=visit]")).click()
        sc.locator("select[name=source_type]").select_option(label="自访")
        sc.fill("input[name=layout]", "3室2厅")
        sc.fill("input[name=budget]", "2,800,000")
        fits(sc)
        with sc.expect_navigation():
            sc.locator("[data-desk-form] button.primary[type=submit]").click()
        done = sc.locator("[data-done]").inner_text()
        assert "周建华" in done, done
        assert sc.locator("tr[data-visit]", has_text="周建华").count() == 1  # today's visits and calls
        fits(sc)

        # 2. a second consultant at the desk types the same number: whose customer it is, and a refusal
        other = desktop("sales_consultant2")
        other.goto(f"{live_server.url}/projects/S1/front-desk/")
        other.locator("input[name=phone]").press_sequentially("13900112233")
        lookup = other.locator("#phone-lookup [data-lookup=protected]")
        lookup.wait_for()
        assert "受 王敏 保护至" in lookup.inner_text() and "请联系王敏" in lookup.inner_text()
        other.fill("input[name=name]", "周建华")
        other.locator("label", has=other.locator("input[name=kind][value=call]")).click()
        with other.expect_navigation():
            other.locator("[data-desk-form] button.primary[type=submit]").click()
        refused = other.locator("[data-errors-for=phone], .message.error, [data-message]").all_inner_texts()
        assert any("请联系" in text for text in refused), refused

        # 3. the consultant opens the customer and logs a follow-up due today
        with sc.expect_navigation():
            sc.locator("[data-done] a[href*='/customers/']").first.click()
        assert "周建华" in sc.locator("h1").inner_text()
        with sc.expect_navigation():
            sc.locator("a", has_text="记录跟进").first.click()
        sc.locator("label", has=sc.locator("input[name=channel][value=call]")).click()
        sc.locator("select[name=stage]").select_option(label="强意向 50%")
        sc.fill("textarea[name=note]", "想看 15 楼南向，周末带家人再来")
        today = timezone.now().astimezone(p.zone).date()
        sc.fill("input[name=next_on]", today.isoformat())
        with sc.expect_navigation():
            sc.locator("form button[type=submit].primary").click()
        assert "周建华" in sc.locator("h1").inner_text()
        assert sc.locator(".message.success").count(), sc.locator(".message").all_inner_texts()
        fits(sc)

        # ... and on the day, the reminder is in the consultant's inbox
        sc.goto(f"{live_server.url}/")
        reminders = sc.locator("[data-reminders]").inner_text()
        assert "今日待跟进" in reminders and "周建华" in reminders
        fits(sc)

        # 4. the customer is picked by name in a reservation
        desk = desktop("sales_consultant")
        start(desk, live_server, "S1", "reservation", {"unit_id": units[0].code, "customer_id": "周建华"})
        assert state(desk) and "周建华" in summary(desk)
    finally:
        on_phone.close()
        desktop.close()

    # what the pages did, read back: one customer, one protection, one visit, one follow-up, the deal
    customer = Customer.objects.get(phone="+8613900112233")
    registration = CustomerRegistration.objects.get(customer=customer)
    assert registration.consultant == users["sales_consultant"]
    assert (registration.stage, registration.next_follow_up_on) == ("strong_interest", today)
    assert Visit.objects.filter(customer=customer).count() == 1
    assert FollowUp.objects.filter(customer=customer).count() == 1
    assert Record.objects.get(project=p, flow="reservation").data["customer_id"] == customer.pk

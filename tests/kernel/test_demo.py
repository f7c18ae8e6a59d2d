"""The demo fixture: two buildings of units, a user per role, customers; loading twice adds nothing."""
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, User
from definitions.roles import STANDARD_ROLE_NAMES
from kernel import demo as demo_loader
from kernel.models import Building, Customer, CustomerRegistration, Project, QueueBatch, Unit


def load() -> str:
    out = StringIO()
    call_command("load_demo", "--no-history", stdout=out)  # the file's data alone (figures.demo adds months)
    return out.getvalue()


def test_the_demo_has_two_buildings_three_hundred_units_and_a_user_per_role(db):
    # when
    output = load()

    # then
    demo = Project.objects.get(code="DEMO")
    assert list(Building.objects.filter(project=demo).values_list("code", "name")) == [("3", "3号楼"), ("5", "5号楼")]
    assert Unit.objects.filter(project=demo).count() == 300
    # two units withheld by management; the demo deals hold eight (two reservations, two subscriptions,
    # one of them waiting for its discount countersign and so reserved until approved, two signed contracts,
    # a lease holding its flat as reserved, and the trade-in's new unit subscribed)
    assert Counter(Unit.objects.filter(project=demo).values_list("status", flat=True)) == {
        "available": 290, "withheld": 2, "reserved": 4, "subscribed": 2, "signed": 2}
    assert set(Membership.objects.filter(project=demo).values_list("role", flat=True)) == STANDARD_ROLE_NAMES
    # twelve customers registered, and three walk-ins and calls the front desk took this week
    assert Customer.objects.count() == 15
    assert CustomerRegistration.objects.filter(project=demo).count() == 15
    assert QueueBatch.objects.filter(project=demo).get().code == "A"
    assert "login: admin / admin  platform admin (all projects)" in output
    # the admin site is for those who configure; staff work on the pages
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin", "projectadmin", "platformadmin", "implementer"}
    assert "login: consultant / demo1234  sales consultant" in output
    assert "published DEMO/reservation v1" in output and "published DEMO/subscription v1" in output


def test_the_demo_front_desk_has_campaigns_visits_and_follow_ups_due_today_and_overdue(db):
    from datetime import timedelta

    from kernel.models import Campaign, Company, FollowUp, Visit

    load()

    demo = Project.objects.get(code="DEMO")
    today = timezone.now().astimezone(demo.zone).date()
    assert Company.objects.get().projects.count() == 2
    assert set(Campaign.objects.filter(project=demo).values_list("name", flat=True)) == {
        "双十二看房团", "抖音直播看房", "老业主推荐季"}
    assert Visit.objects.filter(project=demo).count() == 8
    # 张伟 came twice: the second visit counts as a return
    assert list(Visit.objects.filter(customer__name="张伟").order_by("at").values_list("returning", flat=True)) == [
        False, True]
    assert FollowUp.objects.filter(project=demo).count() == 5
    registrations = CustomerRegistration.objects.filter(project=demo)
    assert registrations.get(customer__name="张伟").next_follow_up_on == today
    assert registrations.get(customer__name="张伟").stage == "strong_interest"
    assert registrations.filter(next_follow_up_on__lt=today).count() == 2
    assert registrations.get(customer__name="李娜").next_follow_up_on == today - timedelta(days=2)


def test_demo_units_have_realistic_areas_and_prices_in_exact_decimals(db):
    load()

    unit = Unit.objects.get(code="3-1502")

    assert (unit.floor, unit.position, unit.layout, unit.orientation) == (15, "02", "3室2厅2卫", "南")
    assert (unit.built_area, unit.inner_area, unit.list_price) == (
        Decimal("128.56"), Decimal("102.37"), Decimal("3283211.00"))
    for u in Unit.objects.all():
        assert Decimal("0.75") < u.inner_area / u.built_area < Decimal("0.85")
        assert Decimal("20000") < u.list_price / u.built_area < Decimal("30000")


def test_loading_the_demo_again_adds_nothing_and_keeps_what_changed(db):
    # given: the demo, where someone took a unit back on sale and renamed a customer
    load()
    Unit.objects.filter(code="3-2601").update(status="available")
    Customer.objects.filter(phone="+8613812341234").update(name="张伟伟")
    before = (Unit.objects.count(), Customer.objects.count(), Membership.objects.count(), User.objects.count())

    # when
    output = load()

    # then
    assert (Unit.objects.count(), Customer.objects.count(), Membership.objects.count(),
            User.objects.count()) == before
    assert Unit.objects.get(code="3-2601").status == "available"
    assert Customer.objects.get(phone="+8613812341234").name == "张伟伟"
    assert "published" not in output and "units" not in output and "customers registered" not in output
    assert output.count("login: ") == 16


def test_loading_known_customers_and_withheld_units_again_takes_a_few_queries_not_one_per_row(
        db, django_assert_max_num_queries):
    # given: the demo loaded once
    load()
    path = Path(settings.ROOT_DIR) / "fixtures" / "demo" / "demo.yaml"
    fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(item for item in fixture["projects"] if item["code"] == "DEMO")
    project = Project.objects.get(code="DEMO")
    assert len(entry["customers"]) == 12 and len(entry["withheld"]) == 2

    # when / then: consultants, known phones; units, their history, what is left to withhold
    with django_assert_max_num_queries(2):
        assert demo_loader.load_customers(project, entry["customers"]) == 0
    with django_assert_max_num_queries(3):
        assert demo_loader.load_inventory(project, {"withheld": entry["withheld"]}).withheld == 0


def test_the_demo_has_a_lease_with_rent_received_a_trade_in_credit_and_an_overdue_installment(db):
    from datetime import date

    from engine.models import Record
    from kernel import dunning, receivables
    from kernel.models import Payment, ReceivableSchedule

    load()
    demo = Project.objects.get(code="DEMO")
    day = date(2026, 12, 3)  # a fixed day: the demo's dates are fixed (signed on 15 June 2026, rent from 1 July)

    # the lease: its rent schedule from the terms, the deposit and the first quarter received
    lease = Record.objects.get(project=demo, flow="lease")
    schedule = ReceivableSchedule.objects.get(project=demo, deal_id=lease.pk)
    s = receivables.statement(schedule, day)
    assert (lease.state, schedule.payment_plan, schedule.deal_price) == ("active", "lease", Decimal("180557.42"))
    assert [(line.kind, line.due_on, line.amount, line.received) for line in s.lines[:3]] == [
        ("security_deposit", s.lines[0].due_on, Decimal("15600.00"), Decimal("15600.00")),
        ("rent", date(2026, 7, 1), Decimal("12077.42"), Decimal("12077.42")),
        ("rent", date(2026, 10, 1), Decimal("23400.00"), Decimal("0.00"))]
    assert lease.data["rent_received"] == "12077.42"

    # the trade-in: the old home's credit is a line of the new unit's deal, settled by itself
    trade_in = Record.objects.get(project=demo, flow="subscription", data__trade_in_credit="1450000.00")
    credit = ReceivableSchedule.objects.get(project=demo, deal_id=trade_in.pk).lines.get(kind="credit")
    assert credit.amount == Decimal("1450000.00")
    assert trade_in.data["price_snapshot"]["credits"][0]["amount"] == "1450000.00"
    assert Decimal(trade_in.data["price_snapshot"]["to_pay"]) == Decimal(trade_in.data["deal_price"]) - credit.amount

    # the installment deal: overdue on finance's receivables list, since its installment's day
    owing = {b.schedule.reference: b for b in dunning.project_balances(demo, day)}
    overdue = [b for b in owing.values() if b.statement.overdue > 0 and b.schedule.payment_plan == "installments"]
    assert len(overdue) == 1 and overdue[0].overdue_since is not None and overdue[0].overdue_since < day
    assert Payment.objects.filter(project=demo, kind="down_payment", amount=Decimal("600000.00")).exists()

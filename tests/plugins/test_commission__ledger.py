"""The commission ledger through its actions: accrue, release, claw back; paying and statements."""
import io
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from accounts.models import User
from extensions import registry
from extensions.rulesets import publish_rules
from kernel import payments
from plugins.commission import ledger
from plugins.commission.errors import ClawbackOutstanding, DealCancelled, UnknownChannel
from plugins.commission.models import CommissionEntry, LedgerEntryIsFixed
from plugins.commission.statement import statement

from .conftest import NOW, SHANGHAI, example_rules, make_ctx

accrue = registry.implementations()["commission.accrue"]
release = registry.implementations()["commission.release"]
claw_back = registry.implementations()["commission.claw_back"]


@pytest.fixture
def consultant(db) -> User:
    return User.objects.create_user("li.na", password="x")


def entries(**filters) -> list[tuple]:
    return list(CommissionEntry.objects.filter(**filters).order_by("id")
                .values_list("deal__reference", "beneficiary_kind", "beneficiary", "amount", "status"))


def consultant_totals(consultant: User) -> list[D]:
    totals: dict[str, D] = {}
    for reference, _, _, amount, status in entries(beneficiary=str(consultant.pk)):
        if status != "reversed":
            totals[reference] = totals.get(reference, D("0")) + amount
    return list(totals.values())


def sign(project, amount="2000000.00", *, at=NOW, record_id=None, lineage=(), **who):
    ctx = make_ctx(project, record_id=record_id, lineage=lineage, now=at)
    accrue(ctx, contract_amount=amount, **who)
    return ctx


def test_accrual_earns_the_channel_rate_the_referral_bonus_and_the_consultant_tier(commission_rules, project,
                                                                                     consultant):
    ctx = sign(project, "2000000.00", consultant=consultant.pk, channel="agency_a", referrer=88)

    assert entries() == [
        (ctx.reference, "channel", "agency_a", D("30000.00"), "accrued"),     # 2 000 000 × 1.5 %
        (ctx.reference, "referrer", "88", D("5000.00"), "accrued"),           # fixed bonus
        (ctx.reference, "consultant", str(consultant.pk), D("6000.00"), "accrued"),  # first deal: 0.3 %
    ]


def test_accruing_twice_for_one_deal_changes_nothing(commission_rules, project, consultant):
    ctx = sign(project, consultant=consultant.pk, channel="agency_a")
    before = entries()

    accrue(ctx, contract_amount="2000000.00", consultant=consultant.pk, channel="agency_a")
    accrue(make_ctx(project, lineage=ctx.lineage), contract_amount="2000000.00", consultant=consultant.pk)

    assert entries() == before


def test_whole_bracket_sixth_deal_lifts_the_first_five_with_adjustment_entries(commission_rules, project, consultant):
    for day in range(5):
        sign(project, at=NOW + timedelta(days=day), consultant=consultant.pk)
    assert consultant_totals(consultant) == [D("6000.00")] * 5

    sign(project, at=NOW + timedelta(days=5), consultant=consultant.pk)

    # six at 0.4 %: 8 000.00 each; the first five got +2 000.00 each, never an edited entry
    assert consultant_totals(consultant) == [D("8000.00")] * 6
    amounts = [e[3] for e in entries(beneficiary=str(consultant.pk))]
    assert sorted(amounts) == [D("2000.00")] * 5 + [D("6000.00")] * 5 + [D("8000.00")]


def test_progressive_sixth_deal_alone_earns_the_higher_rate(project, consultant):
    rules = example_rules("commission")
    rules["consultant"]["mode"] = "progressive"
    publish_rules(project, "commission", rules)

    for day in range(6):
        sign(project, at=NOW + timedelta(days=day), consultant=consultant.pk)

    assert consultant_totals(consultant) == [D("6000.00")] * 5 + [D("8000.00")]
    assert len(entries(beneficiary=str(consultant.pk))) == 6  # no adjustments


def test_a_new_month_starts_a_new_count(commission_rules, project, consultant):
    for day in range(6):
        sign(project, at=NOW + timedelta(days=day), consultant=consultant.pk)

    june = sign(project, at=datetime(2026, 6, 1, 0, 30, tzinfo=SHANGHAI), consultant=consultant.pk)

    assert entries(deal__reference=june.reference) == [
        (june.reference, "consultant", str(consultant.pk), D("6000.00"), "accrued")]


def test_an_unknown_channel_is_refused(commission_rules, project):
    with pytest.raises(UnknownChannel) as refused:
        sign(project, channel="agency_z")

    assert refused.value.message_en == ("there is no channel 'agency_z' in this project's commission rules "
                                        "(they have: agency_a, agency_b)")


def test_commission_becomes_payable_once_filed_and_thirty_percent_is_collected(commission_rules, project, consultant):
    # given: a subscription (deposit 100 000.00) continued by the contract that signs for 2 000 000.00
    subscription = make_ctx(project, flow="subscription")
    payments.record(subscription, "deposit", "100000.00")
    contract = sign(project, record_id=9001, lineage=subscription.lineage, consultant=consultant.pk,
                    channel="agency_a")
    payments.record(contract, "down_payment", "499999.99")

    # when: filed, 599 999.99 collected: not yet 30 %
    release(contract, filed=True)
    assert {e[4] for e in entries()} == {"accrued"}

    # when: the bank loan, paid on the mortgage record under the contract, brings it past 600 000.00
    mortgage = make_ctx(project, flow="mortgage", lineage=contract.lineage)
    payments.record(mortgage, "bank_loan", "1400000.00")
    release(mortgage)

    # then
    assert {e[4] for e in entries()} == {"payable"}


def test_collected_but_unfiled_commission_stays_accrued(commission_rules, project):
    contract = sign(project, channel="agency_a")
    payments.record(contract, "down_payment", "2000000.00")

    release(contract)

    assert [e[4] for e in entries()] == ["accrued"]


def test_clawback_reverses_what_is_unpaid_and_claws_back_what_was_paid(commission_rules, project, consultant):
    # given: six deals in May (whole bracket: 8 000.00 each); the first one released and paid
    deals = [sign(project, at=NOW + timedelta(days=d), consultant=consultant.pk) for d in range(6)]
    first = deals[0]
    payments.record(first, "down_payment", "600000.00")
    release(first, filed=True)
    paid = ledger.pay(project_id=project.pk, beneficiary_kind="consultant", beneficiary=str(consultant.pk),
                      user_id=None, now=NOW + timedelta(days=7))
    assert paid == D("8000.00")  # 6 000.00 + 2 000.00 adjustment

    # when: the first deal is cancelled
    claw_back(make_ctx(project, record_id=first.record_id, now=NOW + timedelta(days=8)), reason="退房")

    # then: its paid 8 000.00 comes back as clawbacks, payable at once; the other five drop to 0.3 %
    assert entries(deal__reference=first.reference, amount__lt=0) == [
        (first.reference, "consultant", str(consultant.pk), D("-6000.00"), "payable"),
        (first.reference, "consultant", str(consultant.pk), D("-2000.00"), "payable"),
    ]
    assert consultant_totals(consultant)[1:] == [D("6000.00")] * 5
    # the agent now owes 8 000.00 and the five others' adjustments are not payable yet: nothing to pay
    with pytest.raises(ClawbackOutstanding) as refused:
        ledger.pay(project_id=project.pk, beneficiary_kind="consultant", beneficiary=str(consultant.pk),
                   user_id=None, now=NOW + timedelta(days=9))
    assert refused.value.message_en == f"consultant {consultant.pk} owes 8000.00 in clawbacks, more than is payable: " \
                                       f"nothing to pay"


def test_the_sweep_writes_nothing_for_a_deal_whose_conditions_still_do_not_hold(commission_rules, project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plugins.commission.sweep import release_due

    # given: a signed deal, nothing collected
    sign(project, channel="agency_a")

    # when: the hourly sweep looks at it
    with CaptureQueriesContext(connection) as queries:
        released = release_due()

    # then: nothing released and nothing written
    assert released == 0
    assert [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))] == []
    assert [e[4] for e in entries()] == ["accrued"]


def test_a_cancelled_deal_accrues_nothing_again(commission_rules, project):
    ctx = sign(project, channel="agency_a")
    claw_back(ctx)

    with pytest.raises(DealCancelled):
        accrue(ctx, contract_amount="2000000.00", channel="agency_a")
    assert [e[4] for e in entries()] == ["reversed"]


def test_a_ledger_entry_amount_never_changes(commission_rules, project):
    sign(project, channel="agency_a")
    entry = CommissionEntry.objects.get()
    entry.amount = D("1.00")

    with pytest.raises(LedgerEntryIsFixed):
        entry.save()
    with pytest.raises(LedgerEntryIsFixed):
        entry.delete()


def test_monthly_statement_of_a_channel_reconciles(commission_rules, project):
    # given (Shanghai time): May — A signs, becomes payable and is paid; B signs
    may = lambda day: datetime(2026, 5, day, 10, tzinfo=SHANGHAI)  # noqa: E731
    june = lambda day: datetime(2026, 6, day, 10, tzinfo=SHANGHAI)  # noqa: E731
    a = sign(project, "2000000.00", at=may(12), channel="agency_a")                # 30 000.00
    payments.record(a, "down_payment", "600000.00")
    release(make_ctx(project, record_id=a.record_id, now=may(20)), filed=True)
    b = sign(project, "1000000.00", at=may(25), channel="agency_a")                # 15 000.00
    pay = lambda at: ledger.pay(project_id=project.pk, beneficiary_kind="channel",  # noqa: E731
                                beneficiary="agency_a", user_id=None, now=at)
    assert pay(may(31)) == D("30000.00")
    # June — A cancelled (its paid 30 000.00 clawed back), B cancelled unpaid, C signs and becomes payable
    claw_back(make_ctx(project, record_id=a.record_id, now=june(3)))
    claw_back(make_ctx(project, record_id=b.record_id, now=june(10)))
    c = sign(project, "3000000.00", at=june(15), channel="agency_a")               # 45 000.00
    payments.record(c, "down_payment", "900000.00")
    release(make_ctx(project, record_id=c.record_id, now=june(20)), filed=True)
    assert pay(june(25)) == D("15000.00")                                         # 45 000.00 − 30 000.00

    # when
    may_statement = statement(project.pk, "channel", "agency_a", 2026, 5)
    june_statement = statement(project.pk, "channel", "agency_a", 2026, 6)

    # then
    figures = lambda s: (s.opening_pending, s.opening_payable, s.earned, s.reversed, s.paid,  # noqa: E731
                         s.closing_pending, s.closing_payable)
    assert figures(may_statement) == (D("0"), D("0"), D("45000.00"), D("0"), D("30000.00"), D("15000.00"), D("0"))
    assert figures(june_statement) == (D("15000.00"), D("0"), D("45000.00"), D("45000.00"), D("15000.00"), D("0"),
                                       D("0"))
    assert [(line.event, line.amount) for line in june_statement.lines] == [
        ("clawback", D("-30000.00")), ("reversed", D("15000.00")), ("earned", D("45000.00")),
        ("payable", D("45000.00")), ("paid", D("-30000.00")), ("paid", D("45000.00")),
    ]


def test_statement_command_prints_totals_and_events(commission_rules, project):
    a = sign(project, "2000000.00", at=datetime(2026, 5, 12, 10, tzinfo=SHANGHAI), channel="agency_a")
    out = io.StringIO()

    call_command("commission_statement", "--project", "PLG", "--agent", "channel:agency_a", "--month", "2026-05",
                 stdout=out)

    assert out.getvalue().splitlines() == [
        "PLG channel:agency_a 2026-05",
        " opening pending:           0.00",
        " opening payable:           0.00",
        "          earned:       30000.00",
        "        reversed:           0.00",
        "            paid:           0.00",
        " closing pending:       30000.00",
        " closing payable:           0.00",
        f"2026-05-12 10:00 {a.reference}   earned          30000.00  channel 甲代理公司 0.015",
    ]


def test_a_contract_amount_that_is_not_money_is_refused_by_name(commission_rules, project):
    from kernel.errors import InvalidAmount

    with pytest.raises(InvalidAmount) as refused:
        sign(project, D("2000000.005"))

    assert refused.value.message_en == ("contract_amount must be a positive money amount with at most two decimals, "
                                        "e.g. 5000.00; got 2000000.005")

"""Finance's receivables list 应收欠款 at scale: the page and its rows timed against a naive per-deal computation.

One project filled in bulk by figures.fill (the demo's generator): `--lines` / 5 deals
(subscriptions, most signed into contracts, their units held), each with a receivables
schedule of five lines (deposit on the subscription day, the down payment on signing,
the bank loan 30 days later, two installments 3 and 6 months after signing) and the
payments fill writes (deposits, down payments, loans, installments). Timed, each
`--repeat` times after a warm-up:
- the page, GET /projects/RCV/receivables/ as finance, and its export (.xlsx);
- `rows_for`, the list's rows (kernel.dunning.project_summaries and the names), in the
  page's fixed number of queries;
- the list's figures alone, as computed now (project_summaries: receipts summed in SQL)
  and before (project_balances: every receipt through the record pages' allocation),
  which must agree;
- the naive version: every schedule read one by one with its lines, its payments,
  its holds, its record and its customer (a query per row, as an ORM loop writes it),
  which must give the same totals;
- the allocation itself, per 1000 deals, in the same run: in SQL (kernel.receivables_sql,
  window functions: the list's figures in one query, and every line's received alone)
  against Python (dunning.project_summaries' sums spread in Python, and project_balances'
  receipt-by-receipt allocation), which must all agree (table "## allocation per 1000 deals").
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from .db import Counter, bench_database, counting, setup_django, vacuum
from .db import parser as bench_parser
from .figures import timed
from .stats import machine, percentile, table

LINES_PER_DEAL = 5


def generate(lines: int) -> dict:
    from django.conf import settings

    from accounts.models import Membership, User
    from engine import versions
    from engine.models import Record
    from figures.fill import Sizes, fill
    from kernel.models import Building, Project, Receivable, ReceivableSchedule, Unit
    from kernel.receivables import months_after

    deals = max(1, lines // LINES_PER_DEAL)
    settings.FLOWS_DIR = settings.ROOT_DIR / "flows"
    project = Project.objects.create(code="RCV", name="Receivables bench", settings={"time_zone": "Asia/Shanghai"})
    for flow in ("subscription", "contract"):
        versions.publish(project, flow)
    t0 = time.perf_counter()
    buildings = Building.objects.bulk_create([Building(project=project, code=str(b), name=f"{b}号楼")
                                              for b in range(1, deals // 300 + 2)])
    Unit.objects.bulk_create([
        Unit(project=project, building=buildings[i // 300], code=f"{buildings[i // 300].code}-{(i % 300) // 6 + 1:02d}"
             f"{i % 6 + 1:02d}", floor=(i % 300) // 6 + 1, position=f"{i % 6 + 1:02d}", built_area=Decimal("100.00"),
             inner_area=Decimal("80.00"), list_price=Decimal(2_000_000 + (i % 97) * 10_000)) for i in range(deals)],
        batch_size=5000)
    consultants = [User.objects.create_user(f"rcv_c{i}", password="x", display_name=f"顾问{i}") for i in range(10)]
    finance = User.objects.create_user("rcv_finance", password="x", display_name="财务")
    Membership.objects.bulk_create([Membership(user=u, project=project, role="sales_consultant") for u in consultants]
                                   + [Membership(user=finance, project=project, role="finance")])
    made = fill(project, Sizes(customers=deals, visits=deals, deals=deals, payments=deals * 4, days=400, holds=True,
                               cancel_share=0.02), consultants=[u.pk for u in consultants], agents=[])
    zone = project.zone
    subs = list(Record.objects.filter(project=project, flow="subscription").order_by("pk"))
    contract_of = dict(Record.objects.filter(project=project, flow="contract").values_list("parent_id", "pk"))
    schedules, plans = [], []
    now = time.time()
    for sub in subs:
        contract = contract_of.get(sub.pk)
        price = Decimal(sub.data["deal_price"])
        start = sub.entered_state_at.astimezone(zone).date()
        signed = start + timedelta(days=5)
        down = (price * Decimal("0.3")).quantize(Decimal("1.00"))
        loan = price - down - Decimal("50000.00") - Decimal("200000.00")
        schedules.append(ReceivableSchedule(project=project, deal_id=sub.pk, reference=sub.reference,
                                            record_ids=[sub.pk] + ([contract] if contract else []),
                                            payment_plan="commercial_mortgage", deal_price=price,
                                            scheduled_at=sub.entered_state_at))
        plans.append([("deposit", Decimal("50000.00"), start), ("down_payment", down, signed),
                      ("bank_loan", loan, signed + timedelta(days=30)),
                      ("installment", Decimal("100000.00"), months_after(signed, 3)),
                      ("installment", Decimal("100000.00"), months_after(signed, 6))])
    ReceivableSchedule.objects.bulk_create(schedules, batch_size=5000)
    ids = dict(ReceivableSchedule.objects.filter(project=project).values_list("deal_id", "pk"))
    Receivable.objects.bulk_create([Receivable(schedule_id=ids[sub.pk], position=n, kind=kind, amount=amount, due_on=due)
                                    for sub, plan in zip(subs, plans) for n, (kind, amount, due) in enumerate(plan, 1)],
                                   batch_size=5000)
    count = Receivable.objects.filter(schedule__project=project).count()
    print(f"# generated {deals} deals, {count} schedule lines, {made} in {time.perf_counter() - t0:.1f} s "
          f"(lines {time.time() - now:.1f} s)", flush=True)
    vacuum()
    return {"project": project, "finance": finance, "deals": deals, "lines": count}


def naive(project, today: date) -> dict:
    """The list's totals as a straightforward ORM loop computes them: a few queries per schedule."""
    from engine.models import Record
    from kernel.models import Customer, Payment, ReceivableSchedule, UnitHold
    from kernel.receivables import statement

    out = {"deals": 0, "balance": Decimal("0.00"), "overdue": Decimal("0.00"), "names": 0}
    for schedule in ReceivableSchedule.objects.filter(project=project).order_by("pk"):
        lines = list(schedule.lines.order_by("position"))
        paid = list(Payment.objects.filter(project_id=project.pk, record_id__in=schedule.record_ids)
                    .order_by("received_at", "id"))
        holds = list(UnitHold.objects.filter(project_id=project.pk, record_id__in=schedule.record_ids))
        if holds and all(h.released_at is not None for h in holds):
            continue  # the deal is over
        s = statement(schedule, today, lines=lines, payments=paid)
        if s.balance <= 0:
            continue
        record = Record.objects.filter(pk=schedule.deal_id).first()
        customer = Customer.objects.filter(pk=record.data.get("customer_id")).first() if record else None
        out["deals"] += 1
        out["balance"] += s.balance
        out["overdue"] += s.overdue
        out["names"] += customer is not None
    return out


def ours(project, today: date) -> dict:
    from kernel.visibility import PhoneVisibility
    from web.views.receivables_due import Filters, rows_for

    rows = rows_for(project, PhoneVisibility(None, {}, project.pk), today, Filters("", 7))
    return {"deals": len(rows), "balance": sum((r.balance for r in rows), Decimal("0.00")),
            "overdue": sum((r.overdue for r in rows), Decimal("0.00")),
            "names": sum(1 for r in rows if r.customer_id is not None)}


def before(project, today: date) -> dict:
    """The list's figures as they were computed before project_summaries: every deal's statement through the
    record pages' allocation (kernel.dunning.project_balances), names left out (timed apart from them)."""
    from kernel import dunning

    found = dunning.project_balances(project, today)
    last_day = today + timedelta(days=7)
    return {"deals": len(found), "balance": sum((b.statement.balance for b in found), Decimal("0.00")),
            "overdue": sum((b.statement.overdue for b in found), Decimal("0.00")),
            "due_soon": sum((b.due_within(last_day) for b in found), Decimal("0.00"))}


def summaries(project, today: date) -> dict:
    from kernel import dunning

    found = dunning.project_summaries(project, today, today + timedelta(days=7))
    return {"deals": len(found), "balance": sum((s.balance for s in found), Decimal("0.00")),
            "overdue": sum((s.overdue for s in found), Decimal("0.00")),
            "due_soon": sum((s.due_soon for s in found), Decimal("0.00"))}


def sql_summaries(project, today: date) -> dict:
    from kernel import receivables_sql

    found = receivables_sql.summary_list(project, today, today + timedelta(days=7))
    return {"deals": len(found), "balance": sum((s.balance for s in found), Decimal("0.00")),
            "overdue": sum((s.overdue for s in found), Decimal("0.00")),
            "due_soon": sum((s.due_soon for s in found), Decimal("0.00"))}


def sql_lines(project, today: date) -> dict:
    """Every line's received by the window functions alone (no holds, no totals per deal)."""
    from kernel import receivables_sql

    found = receivables_sql.line_balances(project.pk)
    return {"lines": sum(len(v) for v in found.values()),
            "received": sum((x.received for v in found.values() for x in v), Decimal("0.00"))}


def python_lines(project, today: date) -> dict:
    """The same by `allocate`, receipt by receipt: the lines and payments read as kernel.dunning reads them."""
    from kernel import dunning
    from kernel.models import ReceivableSchedule

    schedules = list(ReceivableSchedule.objects.filter(project=project).order_by("pk"))
    found = dunning.balances(schedules, today, whole_project=True, lines=dunning.planned_lines(None, project=project))
    return {"lines": sum(len(b.statement.lines) for b in found),
            "received": sum((b.statement.received for b in found), Decimal("0.00"))}


def allocation(project, today: date, deals: int, repeat: int, failures: list[str]) -> None:
    """SQL against Python in the same run, per 1000 deals (p50 of `repeat` calls, interleaved)."""
    import statistics

    from django.db import connection

    cases = [("list figures: SQL window functions (receivables_sql.summary_list)", sql_summaries),
             ("list figures: SQL sums, spread in Python (dunning.project_summaries)", summaries),
             ("list figures: Python allocation per receipt (dunning.project_balances)", before),
             ("line balances: SQL window functions (receivables_sql.line_balances)", sql_lines),
             ("line balances: Python allocation per receipt (receivables.allocate)", python_lines)]
    results = [fn(project, today) for _label, fn in cases]
    if not results[0] == results[1] == results[2]:
        failures.append(f"the list's figures disagree: SQL {results[0]}, sums {results[1]}, Python {results[2]}")
    if results[3] != results[4]:
        failures.append(f"line balances disagree: SQL {results[3]}, Python {results[4]}")
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(repeat):  # interleaved: a noisy neighbour slows them alike
        for i, (_label, fn) in enumerate(cases):
            t0 = time.perf_counter()
            fn(project, today)
            times[i].append(time.perf_counter() - t0)
    rows = []
    for (label, fn), t in zip(cases, times, strict=True):
        n = Counter()
        with counting(n):
            fn(project, today)
        rows.append([label, 1000 * statistics.median(t) * 1000 / deals, 1000 * percentile(t, 95) * 1000 / deals,
                     n.statements])
    print(f"\n## allocation per 1000 deals on {connection.vendor}: {deals} deals, median of {repeat}")
    print(table(["what", "ms / 1000 deals", "p95 ms / 1000 deals", "statements"], rows))
    med = [statistics.median(t) for t in times]
    print(f"\nlist: Python per receipt / SQL {med[2] / med[0]:.1f}x, Python sums / SQL {med[1] / med[0]:.1f}x; "
          f"lines: Python / SQL {med[4] / med[3]:.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("receivables", __doc__)
    parser.add_argument("--lines", type=int, default=20_000, help="schedule lines (five per deal)")
    parser.add_argument("--repeat", type=int, default=10, help="timed calls per measure")
    parser.add_argument("--naive-repeat", type=int, default=2, help="timed calls of the naive version")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    print(f"# receivables: {args.lines} lines; machine: {machine()}", flush=True)
    failures = []
    with bench_database(keep=args.keep):
        world = generate(args.lines)
        project = world["project"]
        today = timezone.now().astimezone(project.zone).date()
        client = Client()
        client.force_login(world["finance"])
        rows = []
        for label, url in (("page (finance, first 50 rows)", "/projects/RCV/receivables/"),
                           ("page, overdue only", "/projects/RCV/receivables/?show=overdue"),
                           ("export (.xlsx, every row)", "/projects/RCV/receivables/export/")):
            def page(url=url):
                r = client.get(url)
                if r.status_code != 200:
                    raise RuntimeError(f"{url} answered {r.status_code}")

            statements = Counter()
            with counting(statements):
                page()
            t = timed(page, args.repeat)
            rows.append([label, 1000 * percentile(t, 50), 1000 * percentile(t, 95), statements.statements])
        mine, theirs = ours(project, today), naive(project, today)
        if mine != theirs:
            failures.append(f"naive and rows_for disagree: {theirs} != {mine}")
        ours_t = timed(lambda: ours(project, today), args.repeat)
        naive_t = timed(lambda: naive(project, today), args.naive_repeat, warmup=0)
        ours_n, naive_n = Counter(), Counter()
        with counting(ours_n):
            ours(project, today)
        with counting(naive_n):
            naive(project, today)
        new, old = summaries(project, today), before(project, today)
        if new != old:
            failures.append(f"project_summaries and project_balances disagree: {new} != {old}")
        for label, fn in (("figures: project_summaries (SQL sums)", summaries),
                          ("figures: project_balances (Python allocation, before)", before)):
            t, n = timed(lambda fn=fn: fn(project, today), args.repeat), Counter()
            with counting(n):
                fn(project, today)
            rows.append([label, 1000 * percentile(t, 50), 1000 * percentile(t, 95), n.statements])
        rows.append(["rows_for (the list's rows, every row named)", 1000 * percentile(ours_t, 50), 1000 * percentile(ours_t, 95),
                     ours_n.statements])
        rows.append(["same, naive per-deal ORM loop", 1000 * percentile(naive_t, 50), 1000 * percentile(naive_t, 95),
                     naive_n.statements])
        print(f"\n## receivables on {connection.vendor}: {world['deals']} deals, {world['lines']} lines, {today}")
        print(table(["what", "p50 ms", "p95 ms", "statements"], rows))
        print(f"\nnaive / rows_for (p50): {percentile(naive_t, 50) / percentile(ours_t, 50):.1f}x; list: {mine}")
        allocation(project, today, world["deals"], args.repeat, failures)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0

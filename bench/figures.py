"""Management figures at scale: one project filled in bulk, the dashboards and the `figures` command timed
against a naive ORM computation of the same figures, in the same run.

The project gets `--scale` × (10,000 units, 100,000 customers, 1,000,000 visits, 50,000
deals, 200,000 payments) over two years, written with bulk_create by figures.fill (the
demo's generator). Timed, each `--repeat` times after a warm-up:
- the project dashboard (a month), a consultant's own figures, the group dashboard
  (the project and a small second one), GET through Django's test client as their users;
  with `--live`, each also with the daily rollups bypassed (figures.rollups.bypassed: the
  visits, registrations and collections counted from the facts, as before the rollups);
- `python manage.py figures --project FIG --from … --to … --json`;
- the naive version: the month's sales, visits and collections (the dashboard's first
  three sections' headline figures) computed the way an ORM loop would: every
  subscription with its history and contract read one by one, every visit and payment
  of the month loaded and added up in Python — against figures' own SQL for the same
  numbers (which must agree).
"""
from __future__ import annotations

import io
import time
from datetime import date, timedelta
from decimal import Decimal

from .db import bench_database, setup_django, vacuum
from .db import parser as bench_parser
from .stats import machine, percentile, table

FULL = {"units": 10_000, "customers": 100_000, "visits": 1_000_000, "deals": 50_000, "payments": 200_000}


def timed(call, repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def generate(scale: float) -> dict:
    from django.conf import settings

    from accounts.models import Membership, User
    from engine import versions
    from figures.fill import Sizes, fill
    from figures.models import GroupMembership, Target
    from kernel.models import Building, Company, Project, Unit

    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    settings.FLOWS_DIR = settings.ROOT_DIR / "flows"
    company = Company.objects.create(code="figgroup", name="Bench group")
    project = Project.objects.create(code="FIG", name="Figures bench", company=company,
                                     settings={"time_zone": "Asia/Shanghai"})
    small = Project.objects.create(code="FIG2", name="Second", company=company, settings={"time_zone": "Asia/Shanghai"})
    for p in (project, small):
        versions.publish(p, "subscription")
        versions.publish(p, "contract")
    t0 = time.perf_counter()
    buildings = Building.objects.bulk_create([Building(project=project, code=str(b), name=f"{b}号楼")
                                              for b in range(1, sizes["units"] // 300 + 2)])
    units = []
    for i in range(sizes["units"]):
        b = buildings[i // 300]
        floor, position = (i % 300) // 6 + 1, f"{i % 6 + 1:02d}"
        units.append(Unit(project=project, building=b, code=f"{b.code}-{floor:02d}{position}", floor=floor,
                          position=position, built_area=Decimal("100.00"), inner_area=Decimal("80.00"),
                          list_price=Decimal(2_000_000 + (i % 97) * 10_000)))
    Unit.objects.bulk_create(units, batch_size=5000)
    consultants = [User.objects.create_user(f"fig_c{i}", password="x", display_name=f"顾问{i}") for i in range(20)]
    agents = [User.objects.create_user(f"fig_a{i}", password="x", display_name=f"渠道{i}") for i in range(3)]
    director = User.objects.create_user("fig_director", password="x")
    boss = User.objects.create_user("fig_group", password="x")
    Membership.objects.bulk_create([Membership(user=u, project=project, role="sales_consultant") for u in consultants]
                                   + [Membership(user=u, project=project, role="channel_agent") for u in agents]
                                   + [Membership(user=director, project=project, role="project_director")])
    GroupMembership.objects.create(user=boss, company=company, role="group_executive")
    made = fill(project, Sizes(customers=sizes["customers"], visits=sizes["visits"], deals=sizes["deals"],
                               payments=sizes["payments"], days=730, holds=False),
                consultants=[u.pk for u in consultants], agents=[u.pk for u in agents])
    today = date.today()
    Target.objects.bulk_create([Target(project=project, month=date(today.year, m, 1), subscription_count=2000,
                                       signing_amount=Decimal("5000000000.00"), collection_amount=Decimal("3000000000.00"))
                                for m in range(1, 13)])
    print(f"# generated {sizes} -> {made} in {time.perf_counter() - t0:.1f} s", flush=True)
    vacuum()
    return {"project": project, "consultant": consultants[0], "director": director, "boss": boss, "sizes": sizes}


def naive(project, period) -> dict:
    """The month's sales, visits and net collections as a straightforward ORM loop computes them."""
    from engine.models import HistoryEntry, Record
    from kernel.models import Payment, Visit
    from kernel.payments import CASH_KINDS

    since, until = period.bounds(project.zone)
    subs = signs = cancels = 0
    sub_amount = sign_amount = Decimal("0.00")
    for sub in Record.objects.filter(project=project, flow="subscription"):
        entries = list(HistoryEntry.objects.filter(record=sub).order_by("seq"))
        subscribed = next((e.at for e in entries if e.to_state == "awaiting_contract"), None)
        if subscribed is None:
            continue
        contract = Record.objects.filter(parent=sub, flow="contract").first()
        con_entries = list(HistoryEntry.objects.filter(record=contract).order_by("seq")) if contract else []
        cancelled = next((e.at for e in entries if e.to_state in ("refund_pending", "cancelled")), None) or next(
            (e.at for e in con_entries if e.to_state in ("refund_pending", "cancelled", "filing_deregistration")), None)
        signed = next((e.at for e in con_entries if e.to_state == "signed"), None)
        if cancelled is None and since <= subscribed < until:
            subs += 1
            sub_amount += Decimal(sub.data["deal_price"])
        if cancelled is None and signed and contract is not None and since <= signed < until:
            signs += 1
            sign_amount += Decimal(contract.data["deal_price"])
        if cancelled and since <= cancelled < until:
            cancels += 1
    new = returning = 0
    for v in Visit.objects.filter(project=project, at__gte=since, at__lt=until, kind="visit"):
        if v.returning:
            returning += 1
        else:
            new += 1
    plus = (*CASH_KINDS, "installment", "area_difference", "bank_loan", "provident_fund_loan")
    net = Decimal("0.00")
    for p in Payment.objects.filter(project=project, received_at__gte=since, received_at__lt=until):
        net += p.amount if p.kind in plus else -p.amount if p.kind == "refund" else 0
    return {"subscriptions": subs, "subscription_amount": sub_amount, "signings": signs, "signing_amount": sign_amount,
            "cancellations": cancels, "new_visits": new, "returning_visits": returning, "net": net}


def ours(project, period) -> dict:
    from figures import collections, sales, visits
    from figures.scope import Scope

    s = Scope.of_project(project)
    got = sales.totals(s, period)
    seen = visits.totals(s, period)
    return {**got, "new_visits": seen["new_visits"], "returning_visits": seen["returning_visits"],
            "net": collections.net(s, period)}


def kept_world() -> dict:
    """The objects of a database an earlier `--keep` run generated (for --reuse)."""
    from accounts.models import User
    from kernel.models import Project

    project = Project.objects.get(code="FIG")
    sizes = {"units": project.units.count(), "customers": project.customer_registrations.count(),
             "visits": project.visits.count()}
    return {"project": project, "consultant": User.objects.get(username="fig_c0"),
            "director": User.objects.get(username="fig_director"), "boss": User.objects.get(username="fig_group"),
            "sizes": sizes}


class Statements:
    """Counts the statements a call sends and the time they take (an execute wrapper)."""

    def __init__(self) -> None:
        self.n, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.n += 1
            self.seconds += time.perf_counter() - t0


def measure(world: dict, args, failures: list[str]) -> None:
    from contextlib import nullcontext

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from figures import rollups
    from figures.periods import period_of

    project = world["project"]
    month = period_of("month", date.today() - timedelta(days=20))
    query = f"?period=month&on={month.first.isoformat()}"
    rows = []
    for label, user, url in (("project dashboard (director)", world["director"], f"/projects/FIG/dashboard/{query}"),
                             ("own figures (consultant)", world["consultant"], f"/projects/FIG/dashboard/{query}"),
                             ("group dashboard", world["boss"], f"/groups/figgroup/dashboard/{query}"),
                             ("refresh fragment (director)", world["director"],
                              f"/projects/FIG/dashboard/{query}&part=figures")):
        client = Client()
        client.force_login(user)

        def page(client=client, url=url):  # bound now: each pass of the loop times its own page
            r = client.get(url)
            if r.status_code != 200:
                raise RuntimeError(f"{url} answered {r.status_code}")

        # bypassed: the same page with the figures counted from the facts (the reading before the rollups);
        # the two are timed in turn, call by call, so a machine busy with other work slows both alike
        modes = (False, True) if args.live else (False,)
        times: dict[bool, list[float]] = {mode: [] for mode in modes}
        for _ in range(2):  # warm-up
            for mode in modes:
                with rollups.bypassed() if mode else nullcontext():
                    page()
        for _ in range(args.repeat):
            for mode in modes:
                with rollups.bypassed() if mode else nullcontext():
                    times[mode] += timed(page, 1, warmup=0)
        line: list = [label]
        for mode in modes:
            counted = Statements()
            with rollups.bypassed() if mode else nullcontext(), connection.execute_wrapper(counted):
                page()
            line += [1000 * percentile(times[mode], 50), 1000 * percentile(times[mode], 95), counted.n,
                     1000 * counted.seconds]
        rows.append(line)

    def command():
        call_command("figures", "--project", "FIG", "--from", month.first.isoformat(), "--to",
                     month.last.isoformat(), "--json", stdout=io.StringIO())

    t = timed(command, max(3, args.repeat // 4), warmup=1)
    rows.append(["figures command (--json)", 1000 * percentile(t, 50), 1000 * percentile(t, 95), "", ""]
                + ["", "", "", ""] * args.live)
    mine = ours(project, month)
    if args.naive_repeat:
        theirs = naive(project, month)
        if mine != theirs:
            failures.append(f"naive and figures disagree: {theirs} != {mine}")
    ours_t = timed(lambda: ours(project, month), args.repeat)
    rows.append(["sales+visits+collections, figures SQL", 1000 * percentile(ours_t, 50), 1000 * percentile(ours_t, 95),
                 "", ""] + ["", "", "", ""] * args.live)
    if args.naive_repeat:
        naive_t = timed(lambda: naive(project, month), args.naive_repeat, warmup=0)
        rows.append(["same, naive ORM loop", 1000 * percentile(naive_t, 50), 1000 * percentile(naive_t, 95), "", ""]
                    + ["", "", "", ""] * args.live)
    print(f"\n## figures on {connection.vendor}, {world['sizes']}, month {month.first:%Y-%m}")
    heads = ["what", "p50 ms", "p95 ms", "statements", "SQL ms"]
    if args.live:
        heads += ["from facts p50", "p95", "statements", "SQL ms"]
    print(table(heads, rows))
    if args.naive_repeat:
        print(f"\nnaive / figures (p50): {percentile(naive_t, 50) / percentile(ours_t, 50):.0f}x; month: {mine}")


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("figures", __doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the issue's full size (1.0 = 1,000,000 visits)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per figure")
    parser.add_argument("--naive-repeat", type=int, default=3, help="timed calls of the naive version (0: none)")
    parser.add_argument("--live", action="store_true",
                        help="also time each page with the daily rollups bypassed (counted from the facts), in the same run")
    parser.add_argument("--reuse", action="store_true",
                        help="time the database an earlier --keep run left (BENCH_DB_NAME=test_NAME), generating nothing")
    args = parser.parse_args(argv)
    setup_django()

    size = "the kept database (BENCH_DB_NAME)" if args.reuse else f"scale {args.scale}"
    print(f"# figures: {size}; machine: {machine()}", flush=True)
    failures: list[str] = []
    if args.reuse:
        measure(kept_world(), args, failures)
    else:
        with bench_database(keep=args.keep):
            measure(generate(args.scale), args, failures)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0

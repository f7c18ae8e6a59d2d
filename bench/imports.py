"""Spreadsheet imports at scale (issue 18): units and customers from .xlsx, rows per second against a floor and a
naive row-by-row save measured in the same run, and the peak memory of the check as the file grows.

Files are written once with openpyxl (not timed). Then, per kind, each into its own project
(units) or its own range of phones (customers, unique in the whole base), in this order:
- floor: the same file read with openpyxl (read-only mode) and inserted with bulk_create in
  batches of 1,000 in one transaction, no validation at all (the issue's floor);
- naive: the same file read the same way, each row `full_clean()`ed and `save()`d one by one
  in one transaction (what a hand-written importer does); `--naive-rows N` runs it on the
  file's first N rows only (at 100,000 rows it alone would take hours), its rate is per its rows;
- import: imports.runner.run, what `manage.py import` and the upload job run: every cell
  checked, the whole file checked first (a dry run), then written in one transaction with
  its history rows; rows per second counts the file's rows over both passes;
- again: the same file imported a second time (nothing changes: the idempotent reload; the
  run says MISSED if the reload created or changed a row).
A kind given 0 rows is not run.
A second floor, printed in its own table: the same bulk_create with the rows read the way the
import reads them (imports.reading: openpyxl's sheet parser, each row's XML dropped once read).
openpyxl's read-only iterator keeps every row's emptied element until the end of the sheet;
this floor reads as the import does, so the two differ by the import's own work only.
Peak memory: tracemalloc's peak during the check pass (a dry run) of a units file of each
`--memory-rows` size, which must stay flat as the file grows (rows are streamed).
"""
from __future__ import annotations

import gc
import io
import time
import tracemalloc
from decimal import Decimal

from .db import bench_database, setup_django
from .db import parser as bench_parser
from .stats import machine, table

UNIT_HEADERS = ["building", "code", "floor", "position", "layout", "built_area", "inner_area", "orientation",
                "list_price", "status"]
CUSTOMER_HEADERS = ["name", "phone", "consultant", "gender", "note"]
CONSULTANTS = 20
BATCH = 1000


def units_file(n: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("units")
    sheet.append(UNIT_HEADERS)
    for i in range(n):
        building, floor, position = i // 300 + 1, (i % 300) // 6 + 1, f"{i % 6 + 1:02d}"
        sheet.append([str(building), f"{building}-{floor:02d}{position}", floor, position, "3室2厅2卫", 128.5, 101.37,
                      "南", 2_000_000 + (i % 97) * 10_000, "可售"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def customers_file(n: int, prefix: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(CUSTOMER_HEADERS)
    for i in range(n):
        sheet.append([f"客户{i}", f"{prefix}{i:08d}", f"bench_c{i % CONSULTANTS}", "女" if i % 2 else "男", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(content: bytes):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    next(rows)
    yield from rows
    book.close()


def _streamed_rows(content: bytes):
    from imports.reading import open_sheet

    for _number, values in open_sheet(content, "bench.xlsx", "unreadable").rows:
        yield tuple(values)


def _unit(project, building, row):
    from kernel.models import Unit

    _b, code, floor, position, layout, built, inner, orientation, price, _status = row
    return Unit(project=project, building=building, code=code, floor=floor, position=position, layout=layout,
                built_area=Decimal(repr(built)), inner_area=Decimal(repr(inner)), orientation=orientation,
                list_price=Decimal(price))


def _buildings(project, codes):
    from kernel.models import Building

    return {c: Building.objects.get_or_create(project=project, code=c, defaults={"name": f"{c}号楼"})[0]
            for c in sorted(codes)}


def floor_units(project, content: bytes, read=_rows) -> None:
    from django.db import transaction

    from kernel.models import Unit

    with transaction.atomic():
        buildings, batch = {}, []
        for row in read(content):
            if row[0] not in buildings:
                buildings.update(_buildings(project, {row[0]}))
            batch.append(_unit(project, buildings[row[0]], row))
            if len(batch) == BATCH:
                Unit.objects.bulk_create(batch)
                batch = []
        Unit.objects.bulk_create(batch)


def naive_units(project, content: bytes) -> None:
    from django.db import transaction

    with transaction.atomic():
        buildings = {}
        for row in _rows(content):
            if row[0] not in buildings:
                buildings.update(_buildings(project, {row[0]}))
            unit = _unit(project, buildings[row[0]], row)
            unit.full_clean()
            unit.save()


def _customer_rows(content: bytes, users: dict, read=_rows):
    from django.utils import timezone

    from kernel.models import Customer

    now = timezone.now()
    for name, phone, consultant, _gender, _note in read(content):
        yield Customer(name=name, phone=f"+86{phone}", created_at=now), users[consultant], now


def _registration(project, customer, consultant, now):
    from datetime import timedelta

    from kernel.models import CustomerRegistration

    return CustomerRegistration(project=project, customer=customer, consultant=consultant, registered_at=now,
                                protected_until=now + timedelta(days=30))


def floor_customers(project, content: bytes, users: dict, read=_rows) -> None:
    from django.db import transaction

    from kernel.models import Customer, CustomerRegistration

    def flush(batch):
        Customer.objects.bulk_create([c for c, _u, _n in batch])
        CustomerRegistration.objects.bulk_create([_registration(project, c, u, n) for c, u, n in batch])

    with transaction.atomic():
        batch = []
        for item in _customer_rows(content, users, read):
            batch.append(item)
            if len(batch) == BATCH:
                flush(batch)
                batch = []
        flush(batch)


def naive_customers(project, content: bytes, users: dict) -> None:
    from django.db import transaction

    with transaction.atomic():
        for customer, user, now in _customer_rows(content, users):
            customer.full_clean()
            customer.save()
            registration = _registration(project, customer, user, now)
            registration.full_clean()
            registration.save()


def _timed(call) -> float:
    gc.collect()
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _import(kind: str, project, user, content: bytes, name: str, dry_run: bool = False):
    from imports.runner import run

    outcome = run(kind, project, user, content, name, dry_run=dry_run, language="zh-hans")
    if outcome.problems:
        raise RuntimeError(f"{kind}: {len(outcome.problems)} problems, first {outcome.problems[0]}")
    return outcome


def _reload(kind: str, project, user, content: bytes, name: str, failures: list[str]) -> None:
    outcome = _import(kind, project, user, content, name)
    if outcome.created or outcome.changed:
        failures.append(f"{kind}: the second load created {outcome.created} and changed {outcome.changed} rows")


def peak_memory(project, user, rows: int) -> float:
    """MiB at tracemalloc's peak while the units check (a dry run) reads a file of `rows` rows."""
    content = units_file(rows)
    gc.collect()
    tracemalloc.start()
    _import("units", project, user, content, "units.xlsx", dry_run=True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("imports", __doc__)
    parser.add_argument("--units", type=int, default=5_000, help="rows of the units file")
    parser.add_argument("--customers", type=int, default=20_000, help="rows of the customers file")
    parser.add_argument("--naive-rows", type=int, default=None,
                        help="rows the naive way imports (the first N of each file; default: all)")
    parser.add_argument("--memory-rows", default="1000,10000",
                        help="units file sizes whose check's peak memory is measured (comma-separated)")
    args = parser.parse_args(argv)
    setup_django()
    from accounts.models import Membership, User
    from kernel.models import Customer, Project, Unit

    print(f"# imports: {args.units} units, {args.customers} customers; machine: {machine()}", flush=True)
    failures: list[str] = []
    with bench_database(keep=args.keep):
        admin = User.objects.create_user("bench_admin", password="x")
        consultants = [User.objects.create_user(f"bench_c{i}", password="x", display_name=f"顾问{i}")
                       for i in range(CONSULTANTS)]
        users = {u.username: u for u in consultants}
        projects = {}
        for code in ("IMP", "FLOOR", "NAIVE", "MEM", "STREAM"):
            projects[code] = Project.objects.create(code=code, name=code, settings={"protection_days": 30})
            Membership.objects.bulk_create([Membership(user=u, project=projects[code], role="sales_consultant")
                                            for u in consultants]
                                           + [Membership(user=admin, project=projects[code], role="project_admin")])
        t0 = time.perf_counter()
        naive_rows = {k: n if args.naive_rows is None else min(n, args.naive_rows)
                      for k, n in (("units", args.units), ("customers", args.customers))}
        unit_file = units_file(args.units)
        naive_unit_file = unit_file if naive_rows["units"] == args.units else units_file(naive_rows["units"])
        customer_files = {k: customers_file(n, p) for k, n, p in
                          (("import", args.customers, "138"), ("floor", args.customers, "139"),
                           ("naive", naive_rows["customers"], "137"), ("stream", args.customers, "136"))}
        print(f"# files written in {time.perf_counter() - t0:.1f} s: units {len(unit_file) / 2**20:.1f} MiB, "
              f"customers {len(customer_files['import']) / 2**20:.1f} MiB", flush=True)

        results, streamed = [], []
        for kind, rows, stream, floor, naive, ours, again in (
                ("units", args.units,
                 lambda: floor_units(projects["STREAM"], unit_file, _streamed_rows),
                 lambda: floor_units(projects["FLOOR"], unit_file),
                 lambda: naive_units(projects["NAIVE"], naive_unit_file),
                 lambda: _import("units", projects["IMP"], admin, unit_file, "units.xlsx"),
                 lambda: _reload("units", projects["IMP"], admin, unit_file, "units.xlsx", failures)),
                ("customers", args.customers,
                 lambda: floor_customers(projects["STREAM"], customer_files["stream"], users, _streamed_rows),
                 lambda: floor_customers(projects["FLOOR"], customer_files["floor"], users),
                 lambda: naive_customers(projects["NAIVE"], customer_files["naive"], users),
                 lambda: _import("customers", projects["IMP"], admin, customer_files["import"], "customers.xlsx"),
                 lambda: _reload("customers", projects["IMP"], admin, customer_files["import"], "customers.xlsx",
                                 failures))):
            if not rows:
                continue
            timings = {}
            for label, call in (("floor", floor), ("naive", naive), ("import", ours), ("again", again)):
                timings[label] = _timed(call)
                print(f"#   {kind} {label}: {timings[label]:.2f} s", flush=True)
            timings["stream"] = _timed(stream)
            print(f"#   {kind} floor, rows read as the import reads them: {timings['stream']:.2f} s", flush=True)
            streamed.append([kind, rows, timings["stream"], rows / timings["stream"],
                             timings["stream"] / timings["import"], timings["stream"] / timings["again"]])
            for label in ("floor", "naive", "import", "again"):
                n = naive_rows[kind] if label == "naive" else rows
                rate = n / timings[label]
                results.append([kind, label, n, timings[label], rate, rate / (rows / timings["floor"])])
            if timings["import"] > 2 * timings["floor"]:
                failures.append(f"{kind}: the import's rate is below half the floor's "
                                f"({rows / timings['import']:.0f} vs {rows / timings['floor']:.0f} rows/s)")
        written = {"units": Unit.objects.filter(project=projects["IMP"]).count(),
                   "customers": Customer.objects.filter(phone__startswith="+86138").count()}
        for kind, rows in (("units", args.units), ("customers", args.customers)):
            if rows and written[kind] != rows:
                failures.append(f"{kind}: {written[kind]} written of {rows}")
        from django.db import connection

        print(f"\n## imports on {connection.vendor}")
        print(table(["kind", "way", "rows", "seconds", "rows/s", "share of floor"], results))
        print("\n## the floor with the rows read as the import reads them (imports.reading)")
        print(table(["kind", "rows", "seconds", "rows/s", "import's share", "again's share"], streamed))

        memory = []
        for n in (int(x) for x in args.memory_rows.split(",") if x.strip()):
            memory.append([n, peak_memory(projects["MEM"], admin, n)])
        print()
        print(table(["units file rows (check only)", "peak MiB (tracemalloc)"], memory))
        if len(memory) > 1 and memory[-1][1] > 3 * memory[0][1] + 5:
            failures.append(f"memory grows with the file: {memory[0][1]:.1f} MiB at {memory[0][0]} rows, "
                            f"{memory[-1][1]:.1f} MiB at {memory[-1][0]}")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))

"""The inbox at scale on PostgreSQL: a million tasks, and two people opening their inbox.

The tasks are written with COPY, not through the engine, laid out as the engine's
`states.enter` writes them (a task's one claiming role on the row, candidate rows for
tasks several roles may claim). Most tasks are closed, as in a working installation;
among the open ones:
- `inbox_user` (a sales consultant in project 2) holds 200 claimed tasks;
- `inbox_manager` (a sales manager in project 1) can claim 20,000 unclaimed tasks,
  a tenth of them shared with the project director (candidate rows);
- the rest of the open work belongs to the other projects and users.
Then, for each of the two, the inbox query (`engine.runtime.inbox.inbox`, its first
page of 50 as the page shows it, and its count) and the inbox page (GET / through
Django's test client, logged in as them) are timed, and EXPLAIN ANALYZE shows which
indexes the query uses.
"""
from __future__ import annotations

import json
import random
import re
import time
from datetime import timedelta

from .db import bench_database, needs_postgres, setup_django
from .db import parser as bench_parser
from .stats import machine, percentile, table

ROLES = ["sales_consultant", "sales_manager", "finance", "contract_clerk", "customer_service",
         "mortgage_specialist", "handover_staff", "project_director"]
FLOW = "bench_deal"


class Copier:
    """COPY rows into a model's table; fields not given take their model defaults."""

    def __init__(self, model, keys: tuple[str, ...]):
        from django.utils import timezone

        now = timezone.now()
        self.model = model
        fields = [f for f in model._meta.concrete_fields if f.attname in keys or not f.primary_key]
        self.columns = [f.column for f in fields]
        self.positions = [next(i for i, f in enumerate(fields) if f.attname == k) for k in keys]
        self.template = []
        for f in fields:
            if f.attname in keys:
                value = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
                if f.get_internal_type() == "JSONField":
                    value = json.dumps(value)
            self.template.append(value)
        self.json_positions = {i for i, k in zip(self.positions, keys)
                               if fields[i].get_internal_type() == "JSONField"}

    def copy(self, rows) -> int:
        from django.db import connection

        table_name = self.model._meta.db_table
        count = 0
        with connection.cursor() as cursor:
            sql = f'COPY "{table_name}" ({", ".join(chr(34) + c + chr(34) for c in self.columns)}) FROM STDIN'
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    full = list(self.template)
                    for i, value in zip(self.positions, row):
                        full[i] = json.dumps(value) if i in self.json_positions else value
                    copy.write_row(full)
                    count += 1
        return count


def generate(tasks: int, projects: int, users: int, user_open: int, manager_claimable: int,
             open_share: float, seed: int = 7) -> dict:
    """Write the world; return the two people's ids and what their inboxes must hold."""
    from django.conf import settings
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Membership, User
    from engine.models import Record, Task, TaskCandidate
    from engine.versions import publish
    from kernel.models import Project

    from . import FLOWS_DIR

    settings.FLOWS_DIR = FLOWS_DIR
    rng = random.Random(seed)
    now = timezone.now()
    has_role_column = any(f.name == "role" for f in Task._meta.fields)
    t0 = time.perf_counter()

    project_ids, versions = [], {}
    for p in range(projects):
        project = Project.objects.create(code=f"IB{p + 1:02d}", name=f"Inbox {p + 1}", settings={})
        project_ids.append(project.pk)
        versions[project.pk] = publish(project, FLOW).version.pk
    manager_project, user_project = project_ids[0], project_ids[1 % projects]

    # users: 0 is inbox_user, 1 is inbox_manager, the others spread over projects and roles
    Copier(User, ("id", "username", "is_active")).copy(
        (i + 1, "inbox_user" if i == 0 else "inbox_manager" if i == 1 else f"u{i:05d}", True) for i in range(users))
    user_id, manager_id = 1, 2
    memberships = [(user_id, user_project, "sales_consultant"), (manager_id, manager_project, "sales_manager")]
    for i in range(2, users):
        project = project_ids[i % projects]
        role = ROLES[(i // projects) % len(ROLES)]
        if (project, role) in ((manager_project, "sales_manager"), (user_project, "sales_consultant")):
            role = "customer_service"  # the two people's pools stay exactly as described
        memberships.append((i + 1, project, role))
    Copier(Membership, ("user_id", "project_id", "role")).copy(memberships)
    others = list(range(3, users + 1))
    other_projects = [p for p in project_ids if p not in (manager_project, user_project)] or [project_ids[-1]]

    # the open tasks, by whom they belong to: (project, roles, assignee)
    open_total = max(int(tasks * open_share), user_open + manager_claimable)
    open_specs = [(user_project, ["sales_consultant"], user_id)] * user_open
    shared = manager_claimable // 10
    open_specs += [(manager_project, ["sales_manager"], None)] * (manager_claimable - shared)
    open_specs += [(manager_project, ["sales_manager", "project_director"], None)] * shared
    for _ in range(open_total - len(open_specs)):
        project = rng.choice(other_projects)
        roles = rng.sample(ROLES, 2) if rng.random() < 0.05 else [rng.choice(ROLES)]
        open_specs.append((project, roles, rng.choice(others) if rng.random() < 0.5 else None))
    rng.shuffle(open_specs)

    # two tasks per record: the first always closed, the second open while open ones last
    record_rows, task_rows, candidate_rows = [], [], []
    numbers: dict[int, int] = {}
    task_id = candidate_id = 0
    records = (tasks + 1) // 2
    open_iter = iter(open_specs)
    open_left = len(open_specs)
    for r in range(records):
        record_id = r + 1
        # spread the open tasks over the records evenly
        open_here = open_left > 0 and rng.random() < open_left / max(1, records - r)
        spec = next(open_iter) if open_here else None
        open_left -= 1 if open_here else 0
        project = spec[0] if spec else rng.choice(project_ids)
        numbers[project] = numbers.get(project, 0) + 1
        record_rows.append((record_id, project, versions[project], FLOW, numbers[project],
                            f"BD-{numbers[project]:06d}", "finance_confirmation" if spec else "done",
                            {"unit_code": "1-0101", "price": "1000000.00", "discount_rate": "0.03"},
                            3, spec is None, now - timedelta(days=30), now))
        for n in range(2 if task_id + 2 <= tasks else 1):
            task_id += 1
            is_open = spec is not None and n == 1
            if is_open:
                _, roles, assignee = spec
                due = None if rng.random() < 0.1 else now + timedelta(hours=rng.randint(-240, 240))
                closed_at, closed_by, status = None, None, "open"
            else:
                roles = [rng.choice(ROLES)]
                assignee = rng.choice(others) if others else user_id
                due = now - timedelta(days=rng.randint(1, 300))
                closed_at, closed_by, status = due, assignee, "done"
            row = [task_id, record_id, project, FLOW, "review" if n == 0 else "finance_confirmation", 1 + n,
                   "review_deal" if n == 0 else "confirm_payment", "work", status, roles, assignee, due,
                   closed_at, closed_by]
            if has_role_column:
                row.append(roles[0] if len(roles) == 1 else "")
            task_rows.append(tuple(row))
            if len(roles) > 1 or not has_role_column:
                for role in roles:
                    candidate_id += 1
                    candidate_rows.append((candidate_id, task_id, project, role, is_open and assignee is None, due))
    task_keys = ("id", "record_id", "project_id", "flow", "state", "visit", "name", "kind", "status", "roles",
                 "assignee_id", "due_at", "closed_at", "closed_by_id") + (("role",) if has_role_column else ())
    Copier(Record, ("id", "project_id", "version_id", "flow", "number", "reference", "state", "data",
                    "revision", "is_closed", "created_at", "entered_state_at")).copy(record_rows)
    del record_rows
    Copier(Task, task_keys).copy(task_rows)
    del task_rows
    Copier(TaskCandidate, ("id", "task_id", "project_id", "role", "is_open", "due_at")).copy(candidate_rows)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [User, Membership, Record, Task, TaskCandidate]):
            cursor.execute(sql)
        for model in (User, Membership, Record, Task, TaskCandidate):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    counts = {"tasks": Task.objects.count(), "open": Task.objects.filter(status="open").count(),
              "candidates": len(candidate_rows), "records": records, "projects": projects, "users": users}
    print(f"# generated {counts} with COPY in {time.perf_counter() - t0:.1f} s", flush=True)
    return {"user_id": user_id, "manager_id": manager_id, "expect": {user_id: user_open, manager_id: manager_claimable},
            "counts": counts}


def time_calls(call, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


INDEX_NAMES = ("task_open_claimable_idx", "task_open_assignee_idx", "task_open_delegate_idx",
               "task_candidate_open_idx", "task_record_status_idx")


def explain(user) -> str:
    from engine.runtime.inbox import inbox

    return inbox(user).ids(50)[:50].explain(analyze=True, buffers=True)  # the page's ids; its rows are read by pk


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("inbox", __doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--user-open", type=int, default=200, help="open tasks claimed by inbox_user")
    parser.add_argument("--manager-claimable", type=int, default=20_000, help="tasks inbox_manager can claim")
    parser.add_argument("--open-share", type=float, default=0.1, help="share of all tasks that are open")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per figure")
    args = parser.parse_args(argv)
    setup_django()
    if needs_postgres("inbox", "the figure is about PostgreSQL's plans on a million rows"):
        return 0
    print(f"# inbox: {args.tasks:,} tasks, {args.projects} projects, {args.users:,} users; machine: {machine()}",
          flush=True)
    failures = []
    with bench_database(keep=args.keep):
        world = generate(args.tasks, args.projects, args.users, args.user_open, args.manager_claimable,
                         args.open_share)
        from django.test import Client

        from accounts.models import User
        from engine.runtime.inbox import inbox

        rows, plans, views = [], [], []
        for who, uid in (("inbox_user", world["user_id"]), ("inbox_manager", world["manager_id"])):
            user = User.objects.get(pk=uid)
            total = inbox(user).count()
            if total != world["expect"][uid]:
                failures.append(f"{who}: the inbox holds {total} tasks, expected {world['expect'][uid]}")
            first_page = time_calls(lambda user=user: list(inbox(user)[:50]), args.repeat)
            count = time_calls(lambda user=user: inbox(user).count(), args.repeat)
            client = Client()
            client.force_login(user)

            def page(client=client):  # bound now: each pass of the loop times its own user's page
                response = client.get("/")
                if response.status_code != 200:
                    raise RuntimeError(f"GET / answered {response.status_code}")
                return response

            html = page().content.decode()
            shown = len(re.findall(r'<tr data-task="', html))
            if shown != min(50, total):
                failures.append(f"{who}: the page shows {shown} rows, expected {min(50, total)}")
            page_times = time_calls(page, max(10, args.repeat // 2))
            rows.append([who, total, 1000 * percentile(first_page, 50), 1000 * percentile(first_page, 95),
                         1000 * percentile(count, 50), 1000 * percentile(count, 95),
                         1000 * percentile(page_times, 50), 1000 * percentile(page_times, 95)])
            for view in ("mine", "group", "claimable", "overdue", "sent_back"):
                times = time_calls(lambda user=user, view=view: list(inbox(user, view=view)[:50]), max(10, args.repeat // 2))
                views.append([who, view, 1000 * percentile(times, 50), 1000 * percentile(times, 95)])
            plan = explain(user)
            used = [name for name in INDEX_NAMES if name in plan]
            seq = re.findall(r"Seq Scan on (\w+)", plan)
            plans.append(f"## EXPLAIN ANALYZE of {who}'s first page\nindexes used: {', '.join(used) or 'none'}; "
                         f"sequential scans: {', '.join(seq) or 'none'}\n{plan}")
        print(f"\n## inbox on postgresql ({world['counts']['tasks']:,} tasks, {world['counts']['open']:,} open)")
        print(table(["who", "tasks in inbox", "query p50 ms", "query p95 ms", "count p50 ms", "count p95 ms",
                     "page p50 ms", "page p95 ms"], rows))
        print("\n## the other views, first page (list(inbox(user, view=...)[:50]))")
        print(table(["who", "view", "p50 ms", "p95 ms"], views))
        print("\nquery = list(inbox(user)[:50]) (memberships + first page); count = inbox(user).count(); "
              "page = GET / (the page runs the first page, its count, the other five views' capped counts, the flows, the menu)")
        for plan in plans:
            print("\n" + plan)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0

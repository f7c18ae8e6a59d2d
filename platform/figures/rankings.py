"""Rankings 排行: consultants by new visits, signings, signed amount and conversion; a group's projects by sales.

A consultant's new visits are the new visits of the customers registered to them; their
deals those naming them now (figures.deals). Conversion = their net subscriptions /
their new visits. Ordered by signed amount, then signings, then new visits.
"""
from __future__ import annotations

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from kernel.models import Project

from .deals import deals, live_in
from .periods import Period
from .scope import Scope, fen_sum, money_of, rate
from .tables import COUNT, MONEY, RATE, TEXT, Chart, Column, Table
from .visits import by_registered


def consultants(scope: Scope, period: Period, names: dict[int, str]) -> Table:
    since, until = period.bounds(scope.zone)
    new: dict[int, int] = {}
    for (_project, by, back), n in by_registered(scope, period).items():
        if not back:
            new[by] = new.get(by, 0) + n
    subs, signs = live_in("subscribed_at", since, until), live_in("signed_at", since, until)
    made = {}
    for r in deals(scope).values("consultant").annotate(
            subs=Count("pk", filter=subs), signs=Count("pk", filter=signs),
            fen=fen_sum(F("sign_amount"), filter=signs)).order_by():
        if r["consultant"] not in (None, "") and str(r["consultant"]).isdigit():
            made[int(r["consultant"])] = (r["subs"], r["signs"], money_of(r["fen"]))
    rows = []
    for person in (set(new) | set(made)) & set(names):
        subs_n, signs_n, amount = made.get(person, (0, 0, money_of(0)))
        rows.append([names[person], new.get(person, 0), subs_n, signs_n, amount, rate(subs_n, new.get(person, 0))])
    rows.sort(key=lambda r: (-r[4], -r[3], -r[1], r[0]))
    return Table("consultant_ranking", _("Consultants' ranking"), [
        Column("consultant", _("Consultant"), TEXT), Column("new_visits", _("New visits"), COUNT),
        Column("subscriptions", _("Subscriptions"), COUNT), Column("signings", _("Signings"), COUNT),
        Column("signing_amount", _("Signed amount"), MONEY), Column("conversion", _("Visit-to-deal rate"), RATE)],
        rows, Chart("bar", "consultant", ("signing_amount",)))


def projects(scope: Scope, period: Period, projects_: list[Project]) -> Table:
    since, until = period.bounds(scope.zone)
    subs, signs = live_in("subscribed_at", since, until), live_in("signed_at", since, until)
    got = {r["project_id"]: r for r in deals(scope).values("project_id").annotate(
        subs=Count("pk", filter=subs), sub_fen=fen_sum(F("sub_amount"), filter=subs),
        signs=Count("pk", filter=signs), sign_fen=fen_sum(F("sign_amount"), filter=signs)).order_by()}
    rows = []
    for p in projects_:
        r = got.get(p.pk, {"subs": 0, "sub_fen": 0, "signs": 0, "sign_fen": 0})
        rows.append([f"{p.code} {p.name}", r["subs"], money_of(r["sub_fen"]), r["signs"], money_of(r["sign_fen"])])
    rows.sort(key=lambda r: (-r[4], -r[2], r[0]))
    return Table("project_ranking", _("Projects by sales"), [
        Column("project", _("Project"), TEXT), Column("subscriptions", _("Subscriptions"), COUNT),
        Column("subscription_amount", _("Subscribed amount"), MONEY), Column("signings", _("Signings"), COUNT),
        Column("signing_amount", _("Signed amount"), MONEY)], rows,
        Chart("bar", "project", ("subscription_amount", "signing_amount")))


__all__ = ["Q", "consultants", "projects"]

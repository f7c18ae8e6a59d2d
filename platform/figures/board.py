"""A dashboard's figures, section by section: what the pages, the export and the `figures` command show.

Three views: a project's (its director and managers), a group's (a company or region,
its projects ranked), and a consultant's own (their deals, their customers' visits,
their targets), with the team's totals when the project lets consultants see their
colleagues' work (`consultants_see_colleagues_records`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from accounts.models import Membership
from kernel.models import Project

from . import campaigns, collections, conversion, funnel, inventory, memo, rankings, sales, targets, visits
from .names import people
from .periods import Kind, Period, compared, twelve_months
from .scope import Scope
from .tables import COUNT, MONEY, Headline, Section

PROJECT, GROUP, OWN = "project", "group", "own"


@dataclass
class Board:
    view: str
    period: Period
    today: date
    projects: list[Project]
    sections: list[Section] = field(default_factory=list)

    @property
    def compared(self) -> Period:
        """What the headlines are compared with: the previous period, to date while this one runs."""
        return compared(self.period, self.today)

    def tables(self):
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str):
        return next((t for t in self.tables() if t.key == key), None)


def consultant_names(projects: list[Project]) -> dict[int, str]:
    """The projects' sales consultants (and channel agents) by user id: whom the rankings list."""
    ids = Membership.objects.filter(project__in=projects, role__in=("sales_consultant", "channel_agent")
                                    ).values_list("user_id", flat=True)
    return people(set(ids))


def _team(scope: Scope, period: Period, today: date) -> Section:
    earlier = compared(period, today)
    now, before = sales.totals(scope, period), sales.totals(scope, earlier)
    seen, seen_before = visits.totals(scope, period), visits.totals(scope, earlier)
    return Section("team", _("The team's totals"), [
        Headline("team_subscriptions", _("Subscriptions"), COUNT, now["subscriptions"], before["subscriptions"]),
        Headline("team_signing_amount", _("Signed amount"), MONEY, now["signing_amount"], before["signing_amount"]),
        Headline("team_new_visits", _("New visits"), COUNT, seen["new_visits"], seen_before["new_visits"])])


def span(period: Period, today: date) -> Period:
    """Every day a board reads: the period and the one before, the 12-month trends, the last 60 days."""
    first = min(period.previous().first, twelve_months(today).first, today - timedelta(days=59))
    return Period(Kind.RANGE, first, max(period.after, today + timedelta(days=1)))


def build(view: str, projects: list[Project], period: Period, today: date, *, consultant_id: int | None = None,
          team: bool = False) -> Board:
    """The board of `view` for these projects (one for project and own views).

    In one reading (figures.memo): the totals several sections share are computed once,
    and the visits of every day the board reads are counted in one query.
    """
    with memo.reading(span(period, today)):
        return _build(view, projects, period, today, consultant_id=consultant_id, team=team)


def _build(view: str, projects: list[Project], period: Period, today: date, *, consultant_id: int | None,
           team: bool) -> Board:
    scope = Scope.of_projects(projects) if view == GROUP else Scope.of_project(projects[0], consultant_id)
    board = Board(view, period, today, projects)
    # the sales totals every section compares, in one query: the period, what it is compared with, the last 30 days
    last30 = Period(Kind.RANGE, today - timedelta(days=29), today + timedelta(days=1))
    sales.totals_of(scope, (period, compared(period, today), last30, last30.previous()))
    names = consultant_names(projects) if view != OWN else None
    board.sections = [sales.section(scope, period, today), visits.section(scope, period, today, projects),
                      targets.section(scope, period, names if view == PROJECT else None),
                      conversion.section(scope, period, today), collections.section(scope, period, today)]
    if view != OWN:
        board.sections.append(inventory.section(scope, today))
        ranked = [rankings.consultants(scope, period, names or {})]  # names are read unless the view is OWN
        if view == GROUP:
            ranked.insert(0, rankings.projects(scope, period, projects))
        board.sections.append(Section("rankings", _("Rankings"), [], ranked))
    board.sections.append(funnel.section(scope, projects))
    if view != OWN:
        board.sections.append(campaigns.section(scope, period))
    if view == OWN and team:
        board.sections.insert(0, _team(Scope.of_project(projects[0]), period, today))
    return board

"""Figures 驾驶舱: the numbers a project's dashboard shows for a period, from the same `figures.board`.

Who sees what, as the dashboard page (docs/figures.md, "Who sees which figures"): the
project's managers, director and admins, superusers and group roles covering the project
get the project's figures (or one consultant's, `consultant`); sales consultants and
channel agents get their own (with the team's totals when the project lets them see
colleagues' work); anyone else in the project is refused in words (403); a stranger, or a
project beyond the token's, is 404.

The period: `period` (day, week, month or year) holding the day `on` (today by default,
in the project's zone), or `from` and `to` (inclusive; at most three years). Money and
rates are decimal strings; every figure has its `title` in the caller's language and its
`definition` (section and key, as docs/figures.md defines it), the same in every language.
"""
from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from definitions.roles import role_titles
from engine.runtime.visibility import OWN_WORK_ROLES, colleagues_open, is_overseer
from figures import board as boards
from figures.groups import group_project_ids
from figures.periods import BadPeriod, Period, as_of, local_today, period_between, period_of
from figures.tables import plain
from kernel.models import Project

from .. import serializers as s
from ..auth import in_scope, memberships
from ..base import ApiView
from ..problems import Problem, language

KINDS = ("day", "week", "month", "year")


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


class FiguresOf(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class Headline(serializers.Serializer):
    key = serializers.CharField()
    definition = serializers.CharField(help_text="section.key: the figure's definition (docs/figures.md).")
    title = serializers.CharField()
    kind = serializers.CharField(help_text="count, money, rate, number")
    value = serializers.JSONField(help_text="A whole number for counts; a decimal string for money and rates "
                                            "(rate 0.7500 = 75%); null when there is nothing to divide by.")
    previous = serializers.JSONField(help_text="The same figure for the previous period of the same kind.")
    change = serializers.CharField(allow_null=True, help_text="value / previous - 1, or for a rate value - previous.")


class TableColumn(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="text, count, money, rate, number, day, month")


class FigureTable(serializers.Serializer):
    key = serializers.CharField()
    definition = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    columns = TableColumn(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text="column key -> value")


class FigureSection(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    headlines = Headline(many=True)
    tables = FigureTable(many=True)


class Span(serializers.Serializer):
    kind = serializers.CharField(help_text="day, week, month, year or range")
    first = serializers.DateField()
    last = serializers.DateField()


class Figures(serializers.Serializer):
    project = serializers.CharField()
    view = serializers.CharField(help_text="project: the whole project's; own: one consultant's work")
    consultant = FiguresOf(allow_null=True, help_text="Whose figures, for the `own` view; null for the project's.")
    time_zone = serializers.CharField(help_text="The zone the days are read in.")
    period = Span()
    previous = Span(help_text="What the headlines are compared with: the previous period of the same kind, "
                              "to date (its same days) while this one is still running.")
    as_of = serializers.DateField(help_text="The day the trends end on.")
    sections = FigureSection(many=True)


def _day(params, name: str, errors: list[dict]) -> date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append({"path": name, "message": _("“%(value)s” is not a date (write it as 2026-12-31).")
                       % {"value": text[:20]}})
        return None


def chosen_period(params, today: date) -> Period:
    """The period the query asks for; a 400 problem naming each wrong parameter."""
    errors: list[dict] = []
    first, last, on = _day(params, "from", errors), _day(params, "to", errors), _day(params, "on", errors)
    kind = params.get("period", "")
    if kind and kind not in KINDS:
        errors.append({"path": "period", "message": _("Choose a day, a week, a month or a year (got “%(value)s”).")
                       % {"value": kind[:20]}})
    if (first is None) != (last is None) and not errors:
        missing = "to" if last is None else "from"
        errors.append({"path": missing, "message": _("A date range needs both from and to.")})
    period = None
    if not errors:
        try:
            if first is not None and last is not None:
                period = period_between(first, last)
            else:
                period = period_of(kind or "month", on or today)
        except BadPeriod:
            errors.append({"path": "to", "message": _("The last day must not be before the first, and the range "
                                                      "at most three years.")})
    if errors or period is None:
        raise Problem(400, "bad_filter", _("Please correct the fields listed in errors."), errors)
    return period


def _span(period: Period) -> dict:
    return {"kind": period.kind.value, "first": period.first, "last": period.last}


def _change(head) -> str | None:
    change = head.change
    return None if change is None else str(change)


def as_json(board, project: Project, consultant: dict | None) -> dict:
    return {
        "project": project.code, "view": board.view, "consultant": consultant, "time_zone": str(project.zone),
        "period": _span(board.period), "previous": _span(board.compared), "as_of": board.today,
        "sections": [{
            "key": sec.key, "title": str(sec.title),
            "headlines": [{"key": h.key, "definition": f"{sec.key}.{h.key}", "title": str(h.title), "kind": h.kind,
                           "value": plain(h.value), "previous": plain(h.previous), "change": _change(h)}
                          for h in sec.headlines],
            "tables": [{"key": t.key, "definition": f"{sec.key}.{t.key}", "title": str(t.title), "note": str(t.note),
                        "columns": [{"key": c.key, "title": str(c.title), "kind": c.kind} for c in t.columns],
                        "rows": [{c.key: plain(v) for c, v in zip(t.columns, row)} for row in t.rows]}
                       for t in sec.tables]}
            for sec in board.sections]}


class ProjectFigures(ApiView):
    @extend_schema(summary="The figures the project's dashboard shows for a period (managers: the project's or a "
                           "consultant's; consultants: their own)", tags=["figures"],
                   parameters=[_q("period", "day, week, month (default) or year", enum=list(KINDS)),
                               _q("on", "A day in the period (YYYY-MM-DD; default today in the project's zone)"),
                               _q("from", "The first day of a range (YYYY-MM-DD), with `to`"),
                               _q("to", "The last day of a range, inclusive"),
                               _q("consultant", "Managers: one consultant's own figures (a member id)", int)],
                   responses={200: Figures, 400: s.ProblemDetails, 403: s.ProblemDetails, 404: s.ProblemDetails})
    def get(self, request, code: str):
        project = Project.objects.filter(code=code).first()
        roles = memberships(request).get(project.pk, frozenset()) if project else frozenset()
        reach = project is not None and in_scope(request, project.pk)
        overseer = project is not None and reach and (is_overseer(request.user, roles)
                                                      or project.pk in group_project_ids(request.user))
        if project is None or not reach or not (roles or overseer):
            raise Problem(404, "not_found", _("There is no project %(code)s, or you are not a member of it.")
                          % {"code": code})
        if not overseer and not roles & OWN_WORK_ROLES:
            lang = "zh" if language().startswith("zh") else "en"
            raise Problem(403, "not_permitted", _(
                "The figures of %(project)s are for its managers, its director and its sales consultants (their own "
                "figures); your roles there (%(roles)s) do not include them.") % {
                "project": project.name,
                "roles": ("、" if lang == "zh" else ", ").join(role_titles(sorted(roles), lang)) or pgettext("roles", "no role")})
        today = local_today(project.zone)
        period = chosen_period(request.query_params, today)
        names = boards.consultant_names([project])
        consultant_id: int | None = request.user.pk
        if overseer:
            consultant_id = None
            raw = request.query_params.get("consultant", "")
            if raw:
                consultant_id = int(raw) if raw.isdigit() else -1
                if consultant_id not in names:
                    raise Problem(400, "bad_filter", _("Please correct the fields listed in errors."), [{
                        "path": "consultant", "message": _("“%(value)s” is not a sales consultant of %(project)s.")
                        % {"value": raw[:40], "project": project.name}}])
        view = boards.PROJECT if consultant_id is None else boards.OWN
        board = boards.build(view, [project], period, as_of(period, today), consultant_id=consultant_id,
                             team=view == boards.OWN and not overseer and colleagues_open(project))
        consultant = None
        if consultant_id is not None:
            consultant = {"id": consultant_id, "name": names.get(consultant_id) or str(request.user)}
        return Response(as_json(board, project, consultant))

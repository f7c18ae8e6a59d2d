"""The structured editor: a flow's states, steps, tasks, timers and fields by title, each changed with a form.

Every edit is written into the same overrides the YAML view shows (comments kept),
checked as a whole flow before it is saved, and followed by the diff against the
published version; publishing stays a separate, confirmed step. Project admins only.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from definitions.durations import DurationRef
from definitions.render import mermaid
from definitions.roles import STANDARD_ROLES, role_title_map
from engine import override_edits as ops
from engine import versions
from kernel.models import Project

from . import studio_editor_forms as f
from .common import administered_project, lang, text
from .flow_changes import changes_in_words
from .flow_words import field_title as _field_title
from .flow_words import kind_words as _kind_words
from .flow_words import require_words as _require_words
from .flow_words import words_after as _words_after
from .flow_words import words_roles as _words_roles
from .studio import flow_title, project_templates

# roles no step of a sales office is given: the platform's own
_NOT_OFFERED = {"platform_admin", "implementer"}


def _role_choices(definition) -> list[tuple[str, str]]:
    titles = role_title_map(lang(), definition.roles)
    names = [r.name for r in STANDARD_ROLES if r.name not in _NOT_OFFERED] + [r.name for r in definition.roles]
    return [(n, titles[n]) for n in names]


def _duration_initial(after) -> dict:
    parts = ops.duration_parts(after) if after is not None else None
    return {"after_amount": parts[0], "after_unit": parts[1]} if parts else {}


class Outline:
    """The flow as the page shows it, with a form per thing it can change; `bound` is the form just posted."""

    def __init__(self, definition, bound: tuple[str, f.EditForm] | None = None):
        self.definition = definition
        self.roles = _role_choices(definition)
        self.titles = dict(self.roles) | role_title_map(lang(), definition.roles)
        self.bound = bound
        state_titles = {s.name: text(s.title, s.name) for s in definition.states}
        self.step_titles = {t.name: text(t.title, t.name) for t in definition.transitions}
        properties = definition.entity.schema.get("properties", {})
        self.field_titles = {n: _field_title(spec, n) for n, spec in properties.items()}
        self.people_steps = [(t.name, self.step_titles[t.name]) for t in definition.transitions if t.roles]
        self.flow_form = self.form("title-flow", f.TitleForm, "flow", [],
                                   initial={"zh": definition.title.zh, "en": definition.title.en})
        self.new_field_form = self.form("field-new", f.NewFieldForm, self.people_steps)
        self._first_open = next((s.name for s in definition.states if not s.final), "")
        self.states = [self._state(s, state_titles) for s in definition.states]
        self.fields = [{"title": self.field_titles[n], "kind": _kind_words(spec)} for n, spec in properties.items()]

    def form(self, key: str, cls, *args, initial=None, **options) -> f.EditForm:
        """The form for `key`: the one just posted (with its errors) or a fresh one with the current values."""
        if self.bound is not None and self.bound[0] == key:
            return self.bound[1]
        made = cls(*args, prefix=key, initial=initial or {}, **options)
        made.editor_args, made.editor_options = args, options  # a POST of it rebuilds it with the same choices
        return made

    def _state(self, state, state_titles) -> dict:
        d = self.definition
        leaving = [t for t in d.transitions if state.name in t.sources]
        steps = [(t.name, self.step_titles[t.name]) for t in leaving if t.to != state.name or t.branches]
        row = {
            "name": state.name, "title": state_titles[state.name], "final": state.final,
            "owners": _words_roles(state.owners, self.titles),
            "deadline": self._deadline(state.deadline),
            "title_form": self.form(f"title-state-{state.name}", f.TitleForm, "state", [state.name],
                                    initial={"zh": state.title.zh, "en": state.title.en},
                                    taken=[(s.title.zh, s.title.en) for s in d.states if s.name != state.name],
                                    label=state_titles[state.name]),
            "tasks": [self._task(state, task, steps) for task in state.tasks],
            "timers": [self._timer(t, state_titles) for t in d.timers if t.state == state.name],
            # a step leaving several states is changed where it is listed first; elsewhere it says where
            "steps": [self._step(t, state_titles) if t.sources[0] == state.name or t.sources == ("*",)
                      and state.name == self._first_open else self._step_elsewhere(t, state_titles)
                      for t in leaving],
        }
        if not state.final:
            after = state.deadline.after if state.deadline else None
            row["deadline_form"] = self.form(
                f"deadline-{state.name}", f.DeadlineForm, state.name, None, self.roles,
                initial=_duration_initial(after) | {"escalate_to": list(state.deadline.escalate_to)
                                                    if state.deadline else []},
                reads=_words_after(after, self.field_titles) if isinstance(after, DurationRef) else "",
                label=state_titles[state.name])
            if len(steps) >= 2:
                row["approval_form"] = self.form(f"approval-{state.name}", f.ApprovalForm, state.name, None,
                                                 self.roles, steps,
                                                 initial={"approved": steps[0][0], "rejected": steps[-1][0]})
        return row

    def _deadline(self, deadline) -> str:
        if deadline is None:
            return ""
        said = _words_after(deadline.after, self.field_titles)
        if deadline.escalate_to:
            said += ngettext(", then %(roles)s is told", ", then %(roles)s are told", len(deadline.escalate_to)) % {
                "roles": _words_roles(deadline.escalate_to, self.titles)}
        return said

    def _task(self, state, task, steps) -> dict:
        row = {"name": task.name, "title": text(task.title, task.name), "approval": task.kind == "approval",
               "roles": _words_roles(task.roles, self.titles), "deadline": self._deadline(task.deadline),
               "title_form": self.form(f"title-task-{task.name}", f.TitleForm, "task", [state.name, task.name],
                                       initial={"zh": task.title.zh, "en": task.title.en} if task.title else {})}
        if task.kind == "approval":
            row["require"] = _require_words(task.require)
            row["outcomes"] = _("approved: %(a)s; rejected: %(r)s") % {
                "a": self.step_titles.get(task.approved or "", ""), "r": self.step_titles.get(task.rejected or "", "")}
            if len(steps) >= 2:
                counted = isinstance(task.require, int)
                row["approval_form"] = self.form(
                    f"approval-{task.name}", f.ApprovalForm, state.name, task.name, self.roles, steps,
                    initial={"zh": task.title.zh if task.title else "", "en": task.title.en if task.title else "",
                             "roles": list(task.roles), "require": "count" if counted else (task.require or "all"),
                             "require_count": task.require if counted else None,
                             "approved": task.approved, "rejected": task.rejected})
        return row

    def _timer(self, timer, state_titles) -> dict:
        escalates = not timer.fire
        does = (_("tell %(roles)s") % {"roles": _words_roles(timer.escalate_to, self.titles)} if escalates
                else _("take the step %(step)s") % {"step": self.step_titles.get(timer.fire or "", "")})
        reads = _words_after(timer.after, self.field_titles) if isinstance(timer.after, DurationRef) else ""
        return {"name": timer.name, "after": _words_after(timer.after, self.field_titles), "does": does,
                "form": self.form(f"timer-{timer.name}", f.TimerForm, timer.name, escalates, self.roles,
                                  initial=_duration_initial(timer.after) | {"escalate_to": list(timer.escalate_to)},
                                  reads=reads)}

    def _step(self, t, state_titles) -> dict:
        targets = [state_titles.get(b.state, b.state) for b in t.targets]
        asked = set(t.form.fields) if t.form else set()
        row = {"name": t.name, "title": self.step_titles[t.name], "to": " / ".join(targets),
               "roles": _words_roles(t.roles, self.titles),
               "fields": [self.field_titles.get(n, n) for n in (t.form.fields if t.form else ())]
               + [_field_title(spec, n) for n, spec in (t.form.extra.items() if t.form else ())],
               "title_form": self.form(f"title-step-{t.name}", f.TitleForm, "transition", [t.name],
                                       initial={"zh": t.title.zh, "en": t.title.en} if t.title else {},
                                       taken=[(o.title.zh, o.title.en) for o in self.definition.transitions
                                              if o.title and o.name != t.name and set(o.sources) & set(t.sources)],
                                       label=self.step_titles[t.name])}
        row["fields_said"] = ("、" if lang().startswith("zh") else ", ").join(row["fields"])
        if t.roles:  # a step only a timer or an approval takes has nobody to choose
            row["roles_form"] = self.form(f"roles-{t.name}", f.StepRolesForm, t.name, self.roles,
                                          initial={"roles": list(t.roles)})
            missing = [(n, title) for n, title in self.field_titles.items() if n not in asked]
            if missing:
                row["form_field_form"] = self.form(f"formfield-{t.name}", f.FormFieldForm, t.name, missing)
        if not t.branches and t.to not in t.sources:
            back_to = state_titles.get(t.sources[0], "") if len(t.sources) == 1 and t.sources != ("*",) else ""
            row["insert_form"] = self.form(f"insert-{t.name}", f.InsertStateForm, t.name, self.roles, back_to=back_to)
        return row

    def _step_elsewhere(self, t, state_titles) -> dict:
        """A step listed under its first state: here only what it is, and where it is changed."""
        first = state_titles.get(t.sources[0], t.sources[0])
        return {"name": t.name, "title": self.step_titles[t.name],
                "to": " / ".join(state_titles.get(b.state, b.state) for b in t.targets),
                "roles": _words_roles(t.roles, self.titles), "fields": [],
                "elsewhere": _("the same step also leaves “%(state)s”: change it there") % {"state": first}}


def _posted_form(outline_definition, key: str, post) -> f.EditForm | None:
    """The form a POST names (`form` = its key), bound to the posted data; None for a key the flow has no form for."""
    probe = Outline(outline_definition)
    found = _find(probe, key)
    if found is None:
        return None
    cls, args, options = found
    return cls(*args, data=post, prefix=key, **options)


def _find(outline: Outline, key: str):
    """(form class, its arguments) of the form `key` on the page, by reading the page's own forms."""
    candidates = [outline.flow_form, outline.new_field_form]
    for state in outline.states:
        candidates += [state[k] for k in ("title_form", "deadline_form", "approval_form") if k in state]
        for row in state["tasks"] + state["timers"] + state["steps"]:
            candidates += [row[k] for k in ("title_form", "approval_form", "form", "roles_form",
                                            "form_field_form", "insert_form") if k in row]
    for form in candidates:
        if form.prefix == key:
            return type(form), form.editor_args, form.editor_options
    return None


def _warn_after(request, project: Project, flow: str, form: f.EditForm) -> None:
    """What a saved change cannot do yet: a role nobody holds, more approvals than people who may give them."""
    from accounts.models import Membership

    _document, definition, _problems = versions.saved_effective(project, flow)
    if definition is None:
        return
    wanted: set[str] = set()
    if isinstance(form, f.InsertStateForm):
        wanted = {r.name for r in definition.roles} - set(
            Membership.objects.filter(project=project).values_list("role", flat=True))
        if wanted:
            titles = role_title_map(lang(), definition.roles)
            messages.warning(request, _("Nobody holds %(roles)s yet: give the role to someone on the members page "
                                        "before publishing.") % {"roles": _words_roles(sorted(wanted), titles)})
    if isinstance(form, f.ApprovalForm) and form.cleaned_data.get("require") == "count":
        people = (Membership.objects.filter(project=project, role__in=form.cleaned_data["roles"])
                  .values("user_id").distinct().count())
        if people < form.cleaned_data["require_count"]:
            messages.warning(request, _("%(n)s approvals are needed but only %(people)s people of the project hold "
                                        "these roles now.") % {"n": form.cleaned_data["require_count"],
                                                              "people": people})


@login_required
def editor(request, project: str, flow: str):
    project_obj: Project = administered_project(request, project)
    templates = project_templates(project_obj)
    if flow not in templates:
        raise Http404()
    document, definition, problems = versions.saved_effective(project_obj, flow)
    bound = None
    status = 200
    if request.method == "POST" and definition is not None:
        key = request.POST.get("form", "")
        form = _posted_form(definition, key, request.POST)
        if form is None:
            return HttpResponseBadRequest(_("This change is no longer possible: the flow changed. Reload the page."))
        if form.is_valid():
            try:
                problems = ops.apply(project_obj, flow, form.edits(document))  # type: ignore[arg-type]  # a dict here
            except LookupError:
                return HttpResponseBadRequest(_("This change is no longer possible: the flow changed. "
                                                "Reload the page."))
            if not problems:
                messages.success(request, _("Saved: %(what)s. The changes are below; publish them when ready.")
                                 % {"what": form.what})
                _warn_after(request, project_obj, flow, form)
                return redirect(reverse("web:studio-editor", args=[project, flow]))
            for problem in problems:
                form.add_error(None, problem.render(lang()))
        bound = (key, form)
        status = 400
        document, definition, problems = versions.saved_effective(project_obj, flow)
    current = versions.published_version(project_obj, flow)
    changes = versions.diff_against_published(project_obj, flow, document) if document is not None else []
    published = versions.definition_by_id(current.pk, current.content_hash) if current else None
    in_words = changes_in_words(published, definition) if changes and definition is not None else []
    return render(request, "web/studio_editor.html", {
        "changes_in_words": in_words,
        "project": project_obj, "flow": flow, "title": flow_title(flow, definition, project_obj, templates[flow]),
        "current": current, "outline": Outline(definition, bound) if definition is not None else None,
        "problems": [p.render(lang()) for p in problems], "changes": [c.render(lang()) for c in changes],
        "diagram": mermaid(definition, lang()) if definition is not None else "",
        "mermaid_js": settings.MERMAID_AVAILABLE,
    }, status=status)

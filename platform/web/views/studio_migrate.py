"""The studio's migration page: move running records of an older version to the published one.

Choose the version (and, if wanted, some of its states), map the states the new version
no longer has, give values for fields the new version requires and the records lack (a
form built from the new version's schema for those fields), then a dry run lists each
record and why it would stay. The move itself runs as a huey job (engine.migration_jobs),
one short transaction per record, and its page follows it: how many records moved or
stayed so far, then each record's outcome.
"""
from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from definitions.model import FormSpec
from engine import migration_jobs, versions
from engine.models import FlowVersion, MigrationJob, MigrationStatus, Record
from engine.runtime import EngineError
from engine.runtime.migration import migrate, newly_required
from forms import build_form_class, form_values

from .common import administered_project, lang, say, text
from .lookups import PageRefs
from .studio import flow_title, project_templates

LEAVE = ""  # a removed state left unmapped: its records stay on the old version


class MoveForm(forms.Form):
    states = forms.MultipleChoiceField(label=gettext_lazy("Only records in these states (none ticked: all)"),
                                       required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, old, new, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # a record in a final state is closed and never moved (engine.runtime.migration takes running
        # records only): offering its state, or a mapping for it, would promise a move that cannot happen
        running = [s for s in old.states if not s.final]
        states = self.fields["states"]
        assert isinstance(states, forms.ChoiceField)  # as declared above (`fields` is typed by the base Field)
        states.choices = [(s.name, text(s.title, s.name)) for s in running]
        targets = [(LEAVE, _("leave them on the old version"))] + [(s.name, text(s.title, s.name))
                                                                   for s in new.states]
        kept = {s.name for s in new.states}
        self.removed = [s for s in running if s.name not in kept]
        for state in self.removed:
            self.fields[f"map-{state.name}"] = forms.ChoiceField(
                label=_("Records in “%(state)s” (not in the new version) go to") % {"state": text(state.title,
                                                                                                 state.name)},
                choices=targets, required=False)

    def state_map(self) -> dict[str, str]:
        return {s.name: self.cleaned_data[f"map-{s.name}"] for s in self.removed
                if self.cleaned_data.get(f"map-{s.name}")}


def _running_versions(project, flow: str) -> list[tuple[FlowVersion, int]]:
    """The flow's versions other than the published one that still have running records, with their counts."""
    counts = dict(Record.objects.filter(project=project, version__flow=flow, is_closed=False)
                  .values("version_id").annotate(n=Count("pk")).values_list("version_id", "n"))
    found = (FlowVersion.objects.filter(project=project, flow=flow, pk__in=counts).exclude(status="published")
             .defer("content").order_by("-number"))
    return [(v, counts[v.pk]) for v in found]


@login_required
def migrate_page(request, project: str, flow: str):
    project_obj = administered_project(request, project)
    templates = project_templates(project_obj)
    if flow not in templates:
        raise Http404()
    target = versions.published_version(project_obj, flow)
    candidates = _running_versions(project_obj, flow)
    chosen_number = request.GET.get("from") or request.POST.get("from")
    chosen = next((v for v, _n in candidates if str(v.number) == chosen_number), None)
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0][0]
    context = {"project": project_obj, "flow": flow, "target": target, "candidates": candidates,
               "chosen": chosen, "steps": None, "zone": project_obj.zone}
    definition = versions.definition_by_id(target.pk, target.content_hash) if target else None
    context["title"] = flow_title(flow, definition, project_obj, templates[flow])
    if target is None or chosen is None or definition is None:  # (a definition whenever there is a target)
        return render(request, "web/studio_migrate.html", context)
    old = versions.definition_of(chosen)
    new = definition
    missing = newly_required(old, new)
    values_class = build_form_class(new.entity.schema, FormSpec(fields=tuple(missing)),
                                    refs=PageRefs(request.user, project_obj))
    values_class.base_fields.pop("comment", None)
    form = MoveForm(old, new, request.POST or None)
    # a default chosen when the field was made required (publish's choice, kept in the schema) is offered
    properties = new.entity.schema.get("properties", {})
    offered = {name: properties[name]["default"] for name in missing if "default" in properties.get(name, {})}
    values_form = values_class(request.POST or None, prefix="value", initial=offered)
    status = 200
    if request.method == "POST" and form.is_valid() and values_form.is_valid():
        values, _comment = form_values(values_form)
        states = form.cleaned_data["states"] or None
        if request.POST.get("action") == "run":  # a job the next page follows
            job = migration_jobs.start(request.user, project_obj, flow, chosen.number, target.number,
                                       state_map=form.state_map(), states=states, values=values)
            return redirect(reverse("web:studio-migration-job", args=[project, flow, job.pk]))
        try:
            steps = migrate(request.user, project_obj, flow, chosen.number, target.number, form.state_map(),
                            states=states, values=values, dry_run=True)
        except EngineError as exc:
            say(request, exc)
            return redirect(reverse("web:studio-flow", args=[project, flow]))
        context["steps"] = step_rows(project_obj, old, new, [_outcome(s) for s in steps])
        context["refused"] = sum(1 for s in steps if s.reason)
    elif request.method == "POST":
        status = 400
    context.update({"form": form, "values_form": values_form, "missing": missing})
    return render(request, "web/studio_migrate.html", context, status=status)


def _outcome(step) -> dict:
    return {"reference": step.reference, "from": step.from_state, "to": step.to_state or "", "moved": step.moved,
            "reason": step.reason, "reason_zh": step.reason_zh}


def step_rows(project, old, new, outcomes: list[dict]) -> list[dict]:
    """Each record's outcome in words: states by title, the reason in the reader's language, a link (one query)."""
    titles_old = {s.name: text(s.title, s.name) for s in old.states}
    titles_new = {s.name: text(s.title, s.name) for s in new.states}
    zh = lang().startswith("zh")
    ids = dict(Record.objects.filter(project=project, reference__in={o["reference"] for o in outcomes})
               .values_list("reference", "pk"))
    return [{"reference": o["reference"], "record_id": ids.get(o["reference"]),
             "from": titles_old.get(o["from"], o["from"]), "to": titles_new.get(o["to"], o["to"]) if o["to"] else "",
             "moved": o["moved"], "reason": (o["reason_zh"] or o["reason"]) if zh else o["reason"]}
            for o in outcomes]


@login_required
def migration_job_page(request, project: str, flow: str, job_id: int):
    """How far a move is (the page refreshes itself until it is done), then each record's outcome."""
    project_obj = administered_project(request, project)
    job = MigrationJob.objects.filter(pk=job_id, project=project_obj, flow=flow).first()
    if job is None:
        raise Http404()
    templates = project_templates(project_obj)
    old = versions.definition_of(versions.get_version(project_obj, flow, job.from_number))
    new = versions.definition_of(versions.get_version(project_obj, flow, job.to_number))
    finished = job.status in (MigrationStatus.DONE, MigrationStatus.FAILED)
    return render(request, "web/studio_migration_job.html", {
        "project": project_obj, "flow": flow, "job": job, "title": flow_title(flow, new, project_obj, templates.get(flow)),
        "finished": finished, "zone": project_obj.zone,
        # records the move did not take (states not chosen, refused), still on the old version
        "left": Record.objects.filter(project=project_obj, version__flow=flow, version__number=job.from_number,
                                      is_closed=False).count() if finished else None,
        "steps": step_rows(project_obj, old, new, job.results) if finished else None,
    })


__all__ = ["migrate_page", "migration_job_page", "step_rows"]

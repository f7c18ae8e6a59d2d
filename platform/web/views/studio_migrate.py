"""The studio's migration page: move running records of an older version to the published one.

Choose the version (and, if wanted, some of its states), map the states the new version
no longer has, give values for fields the new version requires and the records lack (a
form built from the new version's schema for those fields), then a dry run lists each
record and why it would stay; the move runs the same plan for real (engine.runtime.migration).
The move runs in the request, one short transaction per record: fine for the hundreds of
running records a flow has; a huey job with progress is left for later (docs/decisions.md).
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from definitions.model import FormSpec
from engine import versions
from engine.models import FlowVersion, Record
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
        self.fields["states"].choices = [(s.name, text(s.title, s.name)) for s in old.states]
        targets = [(LEAVE, _("leave them on the old version"))] + [(s.name, text(s.title, s.name))
                                                                   for s in new.states]
        kept = {s.name for s in new.states}
        self.removed = [s for s in old.states if s.name not in kept]
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
    if target is None or chosen is None:
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
        run = request.POST.get("action") == "run"
        values, _comment = form_values(values_form)
        try:
            steps = migrate(request.user, project_obj, flow, chosen.number, target.number, form.state_map(),
                            states=form.cleaned_data["states"] or None, values=values, dry_run=not run)
        except EngineError as exc:
            say(request, exc)
            return redirect(reverse("web:studio-flow", args=[project, flow]))
        refused = sum(1 for s in steps if s.reason)
        if run:
            moved = sum(1 for s in steps if s.moved)
            (messages.warning if refused else messages.success)(request, _(
                "%(moved)d record(s) moved to v%(new)d; %(refused)d stay on v%(old)d.") % {
                "moved": moved, "new": target.number, "refused": refused, "old": chosen.number})
        titles_old = {s.name: text(s.title, s.name) for s in old.states}
        titles_new = {s.name: text(s.title, s.name) for s in new.states}
        zh = lang().startswith("zh")
        references = {s.reference for s in steps}
        ids = dict(Record.objects.filter(project=project_obj, reference__in=references)
                   .values_list("reference", "pk"))
        context["steps"] = [{"reference": s.reference, "record_id": ids.get(s.reference),
                             "from": titles_old.get(s.from_state, s.from_state),
                             "to": titles_new.get(s.to_state, s.to_state) if s.to_state else "",
                             "moved": s.moved, "reason": (s.reason_zh or s.reason) if zh else s.reason}
                            for s in steps]
        context["refused"], context["ran"] = refused, run
    elif request.method == "POST":
        status = 400
    context.update({"form": form, "values_form": values_form, "missing": missing})
    return render(request, "web/studio_migrate.html", context, status=status)


__all__ = ["migrate_page"]

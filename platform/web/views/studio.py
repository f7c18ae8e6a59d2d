"""The flow studio: a project's flows, their versions and diagrams, overrides, publish, roll back.

Project admins only. Overrides are edited as YAML; saving validates the effective
definition and shows every problem by path; the diff against the published version
is shown before publishing.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

import yaml

from definitions import DefinitionError
from definitions.render import mermaid
from definitions.yamlio import load_yaml
from engine import versions
from engine.models import FlowVersion, Record
from engine.runtime.access import roles_in
from kernel.models import Project

from .common import lang, text

ADMIN_ROLES = {"project_admin"}


def _project(request, code: str) -> Project:
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise Http404()
    if not (request.user.is_superuser or roles_in(request.user, project.pk) & ADMIN_ROLES):
        raise Http404()
    return project


def _flow_names() -> list[str]:
    return sorted(p.stem for p in Path(settings.FLOWS_DIR).glob("*.yaml"))


@login_required
def studio(request, project: str):
    project_obj = _project(request, project)
    published = {v.flow: v for v in FlowVersion.objects.filter(project=project_obj, status="published")}
    rows = [{"flow": name, "version": published.get(name)} for name in _flow_names()]
    from extensions import registry

    return render(request, "web/studio.html", {"project": project_obj, "rows": rows, "plugins": registry.plugins()})


@login_required
def studio_flow(request, project: str, flow: str):
    project_obj = _project(request, project)
    if flow not in _flow_names():
        raise Http404()
    overrides = versions.stored_overrides(project_obj, flow)
    text_value = yaml.safe_dump(overrides, allow_unicode=True, sort_keys=False) if overrides else ""
    problems, changes = [], []
    if request.method == "POST":
        text_value = request.POST.get("overrides", "")
        loaded = load_yaml(text_value, "overrides")
        problems = list(loaded.problems)
        if not problems:
            if request.POST.get("action") == "check":
                document, problems = versions.check_overrides(project_obj, flow, loaded.data or {})
            else:
                problems = versions.save_overrides(project_obj, flow, loaded.data or {})
                if not problems:
                    messages.success(request, _saved(lang()))
                    return redirect(reverse("web:studio-flow", args=[project, flow]))
    document, check = versions.check_overrides(project_obj, flow, versions.stored_overrides(project_obj, flow))
    if not check:
        changes = versions.diff_against_published(project_obj, flow, document)
    history = list(project_obj.flow_versions.filter(flow=flow).select_related("restored_from").order_by("-number"))
    current = next((v for v in history if v.status == "published"), None)
    definition = versions.definition_of(current) if current else None
    counts = {}
    if history:
        for version_id in Record.objects.filter(version__in=history, is_closed=False).values_list("version_id", flat=True):
            counts[version_id] = counts.get(version_id, 0) + 1
    for v in history:
        v.running = counts.get(v.pk, 0)
    return render(request, "web/studio_flow.html", {
        "project": project_obj, "flow": flow, "overrides": text_value, "problems": [p.render(lang()) for p in problems],
        "changes": [c.render(lang()) for c in changes], "versions": history, "current": current,
        "title": text(definition.title, flow) if definition else flow,
        "diagram": mermaid(definition) if definition else "",
        "mermaid_js": bool(settings.STATICFILES_DIRS),
    }, status=400 if problems else 200)


def _saved(language: str) -> str:
    return "Overrides saved; review the changes and publish." if language.startswith("en") else "覆盖配置已保存，请检查差异后发布。"


@login_required
@require_POST
def publish(request, project: str, flow: str):
    project_obj = _project(request, project)
    try:
        result = versions.publish(project_obj, flow, user=request.user)
    except DefinitionError as exc:
        for problem in exc.problems:
            messages.error(request, problem.render(lang()))
    else:
        v = result.version
        messages.success(request, f"v{v.number}" + (" ✓" if result.created else " (=)"))
    return redirect(reverse("web:studio-flow", args=[project, flow]))


@login_required
@require_POST
def rollback(request, project: str, flow: str, number: int):
    project_obj = _project(request, project)
    try:
        result = versions.rollback(project_obj, flow, number, user=request.user)
    except (DefinitionError, versions.VersionError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"v{result.version.number} ← v{number}")
    return redirect(reverse("web:studio-flow", args=[project, flow]))

"""The flow studio: a project's flows, their versions and diagrams, overrides, publish, roll back.

Project admins only. Overrides are edited as YAML; saving validates the effective
definition and shows every problem by path; the diff against the published version
is shown before publishing.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from definitions import DefinitionError, Problem, canonical
from definitions.render import mermaid
from definitions.yamlio import dump_yaml
from engine import client_templates, versions, versions_checks
from engine.environment import flow_names
from engine.models import FlowVersion, Record
from extensions import registry
from kernel.models import Project

from .common import administered_project, lang, posted_yaml, text
from .flow_changes import changes_in_words


def flow_title(flow: str, definition, project: Project | None = None, client=None) -> str:
    """A flow by its title in the user's language; an unpublished flow by its template's title."""
    if definition is not None:
        return text(definition.title)
    template = versions.template_title(flow, project, client)
    return text(template) if template else flow


def project_templates(project: Project) -> dict[str, client_templates.ClientTemplate | None]:
    """Every flow template the project may use, by name: None for a shipped one, else the client template."""
    found: dict[str, client_templates.ClientTemplate | None] = dict.fromkeys(flow_names())
    for template in client_templates.for_project(project):
        found.setdefault(template.name, template)  # a shipped name wins here; publishing it is refused
    return dict(sorted(found.items()))


def plugin_choices() -> list[dict]:
    """The installed plugins as (name, title in the user's language), for links between rule pages."""
    zh = lang().startswith("zh")
    return [{"name": p.name, "title": p.info.title_zh if zh else p.info.title_en} for p in registry.plugins()]


@login_required
def studio(request, project: str):
    project_obj = administered_project(request, project)
    published = {v.flow: v for v in FlowVersion.objects.filter(project=project_obj, status="published")
                 .defer("content")}
    rows = []
    for name, client in project_templates(project_obj).items():
        version = published.get(name)
        definition = versions.definition_by_id(version.pk, version.content_hash) if version else None
        rows.append({"flow": name, "version": version, "title": flow_title(name, definition, project_obj, client),
                     "client": client})
    # every project setting is read by something, or the admin is told it is not (one query)
    unread = [f.message(lang()) for f in versions_checks.unread_settings(project_obj)]
    return render(request, "web/studio.html", {"project": project_obj, "rows": rows,
                                               "plugins": plugin_choices(), "unread_settings": unread})


@login_required
def studio_flow(request, project: str, flow: str):
    project_obj = administered_project(request, project)
    templates = project_templates(project_obj)
    if flow not in templates:
        raise Http404()
    stored = versions.stored_overrides(project_obj, flow)
    # the text as the admin wrote it, comments and order kept; else the stored data written out
    written = versions.overrides_text(project_obj, flow)
    text_value = written if written is not None else dump_yaml(stored) if stored else ""
    problems: list[Problem] = []
    findings: list[str] = []
    document = None
    if request.method == "POST":
        text_value, posted, problems = posted_yaml(request, "overrides", "overrides")
        if not problems and request.POST.get("action") == "check":
            document, problems = versions.check_overrides(project_obj, flow, posted)
            if not problems:  # and what publishing it would do to running records and linking flows
                findings = [f.message(lang()) for f in versions.publish_findings(project_obj, flow, posted)]
        elif not problems:
            problems = versions.save_overrides(project_obj, flow, posted, text=text_value)
            if not problems:
                messages.success(request, _("Overrides saved; review the changes and publish."))
                return redirect(reverse("web:studio-flow", args=[project, flow]))
    if document is None and not problems:
        document, problems = versions.check_overrides(project_obj, flow, stored)
    # the changes the text on screen would publish (when it checks out); Publish takes the
    # stored overrides, so a checked text must be saved before it can be published
    unsaved = request.method == "POST"
    changes = versions.diff_against_published(project_obj, flow, document) if document is not None else []
    history = list(project_obj.flow_versions.filter(flow=flow).select_related("restored_from")
                   .defer("content", "restored_from__content").order_by("-number"))
    running = dict(Record.objects.filter(version__in=history, is_closed=False).values("version_id")
                   .annotate(n=Count("pk")).values_list("version_id", "n"))
    for v in history:
        v.running = running.get(v.pk, 0)  # type: ignore[attr-defined]  # shown in the versions' table
    current = next((v for v in history if v.status == "published"), None)
    definition = versions.definition_by_id(current.pk, current.content_hash) if current else None
    return render(request, "web/studio_flow.html", {
        "project": project_obj, "flow": flow, "overrides": text_value, "problems": [p.render(lang()) for p in problems],
        "changes": [c.render(lang()) for c in changes], "unsaved": unsaved, "versions": history, "current": current,
        "findings": findings,
        "title": flow_title(flow, definition, project_obj, templates[flow]), "client": templates[flow],
        "diagram": mermaid(definition, lang()) if definition else "",
        "mermaid_js": settings.MERMAID_AVAILABLE,
    }, status=400 if problems else 200)


def _change_version(request, project: str, flow: str, change) -> HttpResponse:
    """Publish or roll back: `change(project)` does it and says what it did; refusals become messages."""
    project_obj = administered_project(request, project)
    try:
        done = change(project_obj)
    except DefinitionError as exc:
        for line in exc.render(lang()):
            messages.error(request, line)
    except versions.VersionError as exc:
        messages.error(request, exc.message(lang()))
    else:
        messages.success(request, done)
    return redirect(reverse("web:studio-flow", args=[project, flow]))


def _running_on(version) -> int:
    return Record.objects.filter(version=version, is_closed=False).count() if version else 0


@login_required
def publish(request, project: str, flow: str):
    """GET: what publishing would change (the stored overrides against the published version) and a confirm button.

    POST publishes only the content that was shown: its hash comes with the form, so
    overrides saved in between (another tab, another admin) publish nothing.
    """
    if request.method == "POST" and request.POST.get("content_hash"):
        expected = request.POST["content_hash"]

        def change(project_obj: Project) -> str:
            result = versions.publish(project_obj, flow, user=request.user, expected_hash=expected,
                                      choices=_posted_choices(request, project_obj, flow))
            said = _("Published v%(n)d.") if result.created else _("v%(n)d is already published: nothing changed.")
            return said % {"n": result.version.number}

        return _change_version(request, project, flow, change)
    project_obj = administered_project(request, project)
    templates = project_templates(project_obj)
    if flow not in templates:
        raise Http404()
    document, problems = versions.check_overrides(project_obj, flow, versions.stored_overrides(project_obj, flow))
    current = versions.published_version(project_obj, flow)
    definition = versions.definition_by_id(current.pk, current.content_hash) if current else None
    changes = versions.diff_against_published(project_obj, flow, document) if document is not None else []
    found = versions.publish_findings(project_obj, flow) if document is not None and changes else []
    saved = versions.saved_effective(project_obj, flow)[1] if changes else None
    return render(request, "web/studio_confirm.html", {
        "changes_in_words": changes_in_words(definition, saved) if saved is not None else [],
        "project": project_obj, "flow": flow, "title": flow_title(flow, definition, project_obj, templates[flow]),
        "kind": "publish", "current": current, "number": versions.next_number(project_obj, flow),
        "changes": [c.render(lang()) for c in changes], "problems": [p.render(lang()) for p in problems],
        # what the publish would do to running records and linking flows; a field running
        # records lack asks for a choice, anything else blocking keeps the button away
        "findings": [{"message": f.message(lang()), "blocking": f.blocking, "field": f.name,
                      "choose": f.kind == versions_checks.NEWLY_REQUIRED,
                      "title": text(f.params["name"]) if f.kind == versions_checks.NEWLY_REQUIRED else ""}
                     for f in found],
        "blocked": any(f.blocking and f.kind != versions_checks.NEWLY_REQUIRED for f in found),
        "content_hash": canonical.content_hash(document) if document is not None else "",
        "running": _running_on(current),
    }, status=400 if problems else 200)


def _posted_choices(request, project_obj: Project, flow: str) -> dict:
    """The confirmation's choices for newly required fields: new records only, or a default typed as text."""
    choices: dict = {}
    fields = request.POST.getlist("required_field")
    if not fields:
        return choices
    document, _problems = versions.check_overrides(project_obj, flow, versions.stored_overrides(project_obj, flow))
    merged = document if isinstance(document, dict) else {}  # None when the overrides have problems
    properties = merged.get("entity", {}).get("schema", {}).get("properties", {})
    for name in fields:
        choice = request.POST.get(f"choice_{name}")
        if choice == versions_checks.NEW_ONLY:
            choices[name] = versions_checks.NEW_ONLY
        elif choice == "default":
            value = versions_checks.typed_default(properties.get(name, {}), request.POST.get(f"default_{name}", ""))
            choices[name] = {"default": value}
    return choices


@login_required
def rollback(request, project: str, flow: str, number: int):
    """GET: what publishing `number`'s content again would change, and a confirm button; POST does it.

    The form carries the version that was published when the diff was shown: if another
    version has been published since, nothing happens and the admin reviews again.
    """
    if request.method == "POST" and request.POST.get("current", "").isdigit():
        expected = int(request.POST["current"])

        def change(project_obj: Project) -> str:
            result = versions.rollback(project_obj, flow, number, user=request.user, expected_current=expected)
            return _("Published v%(n)d with the content of v%(old)d.") % {"n": result.version.number, "old": number}

        return _change_version(request, project, flow, change)
    project_obj = administered_project(request, project)
    templates = project_templates(project_obj)
    if flow not in templates:
        raise Http404()
    try:
        current, changes = versions.rollback_changes(project_obj, flow, number)
    except versions.VersionError as exc:
        messages.error(request, exc.message(lang()))
        return redirect(reverse("web:studio-flow", args=[project, flow]))
    definition = versions.definition_by_id(current.pk, current.content_hash) if current else None
    # the same checks as a publish: a linked flow it would break keeps the button away
    found = versions.rollback_findings(project_obj, flow, number) if changes else []
    restored = versions.definition_of(versions.get_version(project_obj, flow, number)) if changes else None
    return render(request, "web/studio_confirm.html", {
        "changes_in_words": changes_in_words(definition, restored) if restored is not None else [],
        "project": project_obj, "flow": flow, "title": flow_title(flow, definition, project_obj, templates[flow]),
        "kind": "rollback", "current": current, "number": versions.next_number(project_obj, flow), "old": number,
        "changes": [c.render(lang()) for c in changes], "problems": [], "running": _running_on(current),
        "findings": [{"message": f.message(lang()), "blocking": f.blocking, "field": f.name, "choose": False}
                     for f in found],
        "blocked": any(f.blocking for f in found),
    })

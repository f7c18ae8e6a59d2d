"""The studio's documents: a project's printed documents, each editable as a template, checked on save and
previewed with a sample record of its flow (the latest one), before anything is printed from it.

Project admins only. The shipped body is the starting text; saving stores the project's
own template as a new revision (documents.issuing.save_template), refused with every
unknown field and its line.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from documents import issuing
from documents.catalogue import RECEIPT, SHIPPED
from documents.models import DocumentTemplate
from documents.rendering import TEMPLATES
from engine.models import FlowVersion, Record
from kernel.models import Payment

from .common import administered_project, lang

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _flows(project) -> list[tuple[str, str]]:
    """The project's published flows as (name, title), for a new document's flow."""
    from engine.versions import definition_by_id

    rows = FlowVersion.objects.filter(project=project, status="published").only("pk", "flow", "content_hash")
    language = "zh" if lang().startswith("zh") else "en"
    return sorted((v.flow, definition_by_id(v.pk, v.content_hash).title.get(language) or v.flow) for v in rows)


@login_required
def documents_page(request, project: str):
    project_obj = administered_project(request, project)
    own = {t.name: t for t in DocumentTemplate.objects.filter(project=project_obj)}
    language = lang()
    titles = dict(_flows(project_obj))
    rows = []
    for s in SHIPPED.values():
        t = own.pop(s.name, None)
        flows = "、".join(titles.get(f, f) for f in s.flows) if s.flows else _("every payment")
        rows.append({"name": s.name, "title": (t.title_zh if language.startswith("zh") else t.title_en) if t else
                     (s.title_zh if language.startswith("zh") else s.title_en), "flows": flows,
                     "revision": t.revision if t else None})
    for t in sorted(own.values(), key=lambda t: t.name):
        rows.append({"name": t.name, "title": t.title_zh if language.startswith("zh") else t.title_en,
                     "flows": titles.get(t.flow, t.flow) if t.flow else _("every payment"), "revision": t.revision})
    return render(request, "web/studio_documents.html", {"project": project_obj, "rows": rows,
                                                         "flows": _flows(project_obj)})


def _sample(project, flow: str | None, per_payment: bool) -> Record | None:
    """The latest record of the flow (for a receipt: the latest record that took a payment)."""
    if per_payment:
        last = Payment.objects.filter(project=project).order_by("-pk").values_list("record_id", flat=True).first()
        return Record.objects.select_related("project").filter(pk=last).first() if last else None
    return Record.objects.select_related("project").filter(project=project, flow=flow).order_by("-pk").first()


@login_required
def document_page(request, project: str, name: str):
    project_obj = administered_project(request, project)
    if not set(name) <= NAME_CHARS or not name[:1].isalpha():
        raise Http404()
    own = DocumentTemplate.objects.filter(project=project_obj, name=name).first()
    shipped = SHIPPED.get(name)
    flows = dict(_flows(project_obj))
    if own is not None:
        values = {"title_zh": own.title_zh, "title_en": own.title_en, "flow": own.flow, "body": own.body}
    elif shipped is not None:
        values = {"title_zh": shipped.title_zh, "title_en": shipped.title_en,
                  "flow": shipped.flows[0] if shipped.flows else "",
                  "body": (TEMPLATES / "documents" / f"{name}.html").read_text(encoding="utf-8")}
    else:
        flow = request.GET.get("flow", "")
        if flow not in flows:
            raise Http404(_("Choose the flow whose records offer the new document."))
        values = {"title_zh": "", "title_en": "", "flow": flow,
                  "body": '{% extends "documents/base.html" %}\n{% block content %}\n<p>{{ customer.name }}</p>\n'
                          '{% endblock %}\n'}
    problems: list[str] = []
    preview_html = ""
    sample = None
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() if k != "body" else request.POST.get(k, "")
                  for k in ("title_zh", "title_en", "flow", "body")}
        if shipped is not None:
            values["flow"] = shipped.flows[0] if len(shipped.flows) == 1 else (
                values["flow"] if values["flow"] in shipped.flows else (shipped.flows[0] if shipped.flows else ""))
        if not values["title_zh"] or not values["title_en"]:
            problems.append(_("Give the document a title in Chinese and in English."))
        if request.POST.get("action") == "save" and not problems:
            try:
                issuing.save_template(project_obj, name, flow=values["flow"], title_zh=values["title_zh"],
                                      title_en=values["title_en"], body=values["body"], user=request.user, lang=lang())
            except issuing.DocumentError as error:
                problems.extend(error.problems or [error.message(lang())])
            else:
                messages.success(request, _("Saved: records print this template from now on."))
                return redirect(reverse("web:studio-documents", args=[project_obj.code]))
        if not problems:
            from documents.checking import check

            schema = issuing.schema_of(project_obj, values["flow"]) if values["flow"] else None
            problems = check(values["body"], schema, lang())
        if not problems:
            per_payment = (shipped is not None and shipped.name == RECEIPT) or not values["flow"]
            sample = _sample(project_obj, values["flow"], per_payment)
            if sample is not None:
                chosen = issuing.Offer(name, values["title_zh"], values["title_en"], 0, values["body"], per_payment)
                payment = issuing.default_payment(sample, chosen) if per_payment else None
                preview_html = issuing.preview(sample, chosen, payment)
    shipped_flows = shipped.flows if shipped is not None else None
    return render(request, "web/studio_document.html", {
        "heading": (values["title_zh"] if lang().startswith("zh") else values["title_en"]) or _("A new document"),
        "project": project_obj, "name": name, "values": values, "problems": problems, "preview_html": preview_html,
        "sample": sample, "posted": request.method == "POST", "revision": own.revision if own else None,
        "flow_choices": [(f, flows.get(f, f)) for f in shipped_flows] if shipped_flows is not None else
        list(flows.items()), "fixed_flow": shipped is not None,
    }, status=400 if problems else 200)


@login_required
def new_document(request, project: str):
    """The list's "new document" form: to the editor of that name, refusing a shipped or taken name in words."""
    project_obj = administered_project(request, project)
    name = request.GET.get("name", "").strip()
    if not name or not set(name) <= NAME_CHARS or not name[:1].isalpha() or len(name) > 63:
        messages.error(request, _("A document's name is lower-case letters, digits and _, starting with a letter."))
        return redirect(reverse("web:studio-documents", args=[project_obj.code]))
    if name in SHIPPED or DocumentTemplate.objects.filter(project=project_obj, name=name).exists():
        messages.error(request, _("%(name)s is taken: open it from the list to change it.") % {"name": name})
        return redirect(reverse("web:studio-documents", args=[project_obj.code]))
    return redirect(reverse("web:studio-document", args=[project_obj.code, name]) + "?flow="
                    + request.GET.get("flow", ""))

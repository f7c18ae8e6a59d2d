"""Plugin rules per project: edited as YAML, validated against the plugin's rule schema on save."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from definitions.yamlio import dump_yaml
from extensions import registry
from extensions.errors import InvalidRules, UnknownPlugin
from extensions.models import RuleSet
from extensions.rulesets import publish_rules

from .common import administered_project, lang, posted_yaml
from .studio import plugin_choices


@login_required
def rules_page(request, project: str, plugin: str):
    project_obj = administered_project(request, project)
    try:
        found = registry.plugin(plugin)
    except UnknownPlugin as exc:
        raise Http404(str(exc)) from exc
    title = found.info.title_zh if lang().startswith("zh") else found.info.title_en
    current = RuleSet.objects.filter(project=project_obj, plugin=plugin).first()
    text = dump_yaml(current.config) if current else ""
    problems = []
    if request.method == "POST":
        text, posted, problems = posted_yaml(request, "config", f"{plugin} rules")
        if not problems:
            try:
                saved = publish_rules(project_obj, plugin, posted, user=request.user)
            except InvalidRules as exc:
                problems = list(exc.problems)
            else:
                messages.success(request, _("%(plugin)s rules saved as revision %(n)d.")
                                 % {"plugin": title, "n": saved.revision})
                return redirect(reverse("web:rules", args=[project, plugin]))
    schema = dump_yaml(registry.rule_schema(plugin) or {})
    return render(request, "web/rules.html", {
        "project": project_obj, "plugin": found, "config": text, "problems": [p.render(lang()) for p in problems],
        "current": current, "schema": schema, "plugins": plugin_choices(), "title": title,
    }, status=400 if problems else 200)

"""Plugin rules per project: edited as YAML, validated against the plugin's schema on save.

A save may be scheduled (in force from a later moment, at the project's zone); the page
lists every revision with its dates, zone named. Deals keep the rules frozen at their
decisive moment; giving the rules in force to open deals is a separate, confirmed step:
`?apply=1` lists the open deals first, and only the confirmation applies it.
"""
from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from definitions.yamlio import dump_yaml
from extensions import deal_rules, registry
from extensions.errors import InvalidRules, UnknownPlugin, ValidFromInPast
from extensions.models import RuleSet
from extensions.rulesets import in_force_revision, publish_rules, timeline
from kernel.zones import local_text, zone_name

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
    here = reverse("web:rules", args=[project, plugin])
    if request.method == "POST" and request.POST.get("intent") == "apply_to_open":
        return _apply_to_open(request, project_obj, plugin, title, here)
    current = RuleSet.objects.filter(project=project_obj, plugin=plugin).first()
    text = dump_yaml(current.config) if current else ""
    valid_from_text = ""
    problems: list[str] = []
    if request.method == "POST":
        text, posted, found_problems = posted_yaml(request, "config", f"{plugin} rules")
        problems = [p.render(lang()) for p in found_problems]
        valid_from_text = request.POST.get("valid_from", "").strip()
        valid_from = _moment(valid_from_text, project_obj.zone, problems)
        if not problems:
            try:
                saved = publish_rules(project_obj, plugin, posted, user=request.user, valid_from=valid_from)
            except InvalidRules as exc:
                problems = [p.render(lang()) for p in exc.problems]
            except ValidFromInPast:
                problems = [_("In force from: the moment is in the past. Give a later one, or leave it empty for "
                              "now (deals already made keep their rules).")]
            else:
                if valid_from is None:
                    messages.success(request, _("%(plugin)s rules saved as revision %(n)d.")
                                     % {"plugin": title, "n": saved.revision})
                else:
                    messages.success(request, _("%(plugin)s rules saved as revision %(n)d, in force from %(when)s.")
                                     % {"plugin": title, "n": saved.revision,
                                        "when": local_text(valid_from, project_obj.zone)})
                return redirect(here)
    in_force = in_force_revision(project_obj.pk, plugin)
    target, open_deals = deal_rules.open_deals(project_obj.pk, plugin)
    schema = dump_yaml(registry.rule_schema(plugin) or {})
    return render(request, "web/rules.html", {
        "project": project_obj, "plugin": found, "config": text, "problems": problems,
        "current": current, "schema": schema, "plugins": plugin_choices(), "title": title,
        "in_force": in_force, "revisions": _revisions(project_obj, plugin, in_force),
        "open_deals": [_deal_row(d, project_obj.zone) for d in open_deals], "target": target,
        "confirm_apply": request.GET.get("apply") == "1" and bool(open_deals),
        "valid_from": valid_from_text, "zone": zone_name(project_obj.zone),
    }, status=400 if problems else 200)


def _apply_to_open(request, project_obj, plugin: str, title: str, here: str):
    """Apply the revision in force to the open deals the admin was shown (their ids posted back)."""
    listed_ids = {int(v) for v in request.POST.getlist("deal") if v.isdigit()}
    target, open_now = deal_rules.open_deals(project_obj.pk, plugin)
    listed = [d for d in open_now if d.binding_id in listed_ids]
    posted_revision = request.POST.get("revision", "")
    if target is None or str(target.revision) != posted_revision:
        messages.error(request, _("Other %(plugin)s rules took effect after the list was shown: nothing was "
                                  "changed. Review the list again.") % {"plugin": title})
        return redirect(here)
    try:
        changed = deal_rules.apply_to_open(project_obj.pk, plugin, listed, target.revision, user=request.user)
    except deal_rules.StaleList:
        messages.error(request, _("Other %(plugin)s rules took effect after the list was shown: nothing was "
                                  "changed. Review the list again.") % {"plugin": title})
        return redirect(here)
    messages.success(request, ngettext("%(count)d open deal now follows revision %(n)d of the %(plugin)s rules.",
                                       "%(count)d open deals now follow revision %(n)d of the %(plugin)s rules.",
                                       len(changed))
                     % {"count": len(changed), "n": target.revision, "plugin": title})
    return redirect(here)


def _moment(value: str, zone, problems: list[str]) -> datetime | None:
    """The page's `datetime-local` value at the project's zone; empty: from now."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(_("In force from: %(value)s is not a date and time.") % {"value": value})
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _revisions(project_obj, plugin: str, in_force) -> list[dict]:
    now = timezone.now()
    rows = []
    for row in reversed(timeline(project_obj.pk, plugin)):
        if in_force is not None and row.pk == in_force.pk:
            state = _("in force")
        elif row.valid_from > now:
            state = _("scheduled")
        else:
            state = _("superseded")
        by = row.published_by.get_full_name() or row.published_by.get_username() if row.published_by else ""
        rows.append({"revision": row.revision, "valid_from": local_text(row.valid_from, project_obj.zone),
                     "published_at": local_text(row.published_at, project_obj.zone), "by": by, "state": state})
    return rows


def _deal_row(deal: deal_rules.OpenDeal, zone) -> dict:
    return {"id": deal.binding_id, "reference": deal.reference, "revision": deal.revision,
            "decided_at": local_text(deal.decided_at, zone)}

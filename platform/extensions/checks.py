"""`manage.py check` loads every plugin, so a broken plugin fails at start-up, not mid-transition.

With `--database default` it also re-checks every stored rule set against its plugin's
current schema: upgrading a plugin can make yesterday's valid rules invalid.
"""
from __future__ import annotations

import importlib.util

from django.apps import apps
from django.core import checks
from django.db import connections

from .errors import PluginLoadError


@checks.register("plugins")
def check_plugins(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from . import registry

    try:
        found = registry.plugins()
    except PluginLoadError as exc:
        return [checks.Error(p, hint="Fix or remove the plugin (or name it in PLATFORM_DISABLED_PLUGINS).",
                             id="plugins.E001") for p in exc.problems]
    installed = {config.name for config in apps.get_app_configs()}
    messages: list[checks.CheckMessage] = []
    for plugin in found:
        package = _package_of(plugin)
        if package and package not in installed and importlib.util.find_spec(f"{package}.models") is not None:
            messages.append(checks.Warning(
                f"plugin {plugin.name!r} has models but {package!r} is not in INSTALLED_APPS",
                hint=f"Add {package!r} to INSTALLED_APPS and run migrate.", id="plugins.W001"))
    return messages


@checks.register("plugins", deploy=False, database=True)
def check_stored_rules(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    if not databases:
        return []
    from . import registry
    from .errors import UnknownPlugin
    from .models import RuleSet

    messages: list[checks.CheckMessage] = []
    if any(RuleSet._meta.db_table not in connections[alias].introspection.table_names() for alias in databases):
        return messages  # `migrate` runs this check before it has created the table
    for rule_set in RuleSet.objects.select_related("project").order_by("project__code", "plugin"):
        where = f"project {rule_set.project.code}, {rule_set.plugin} rules r{rule_set.revision}"
        try:
            problems = registry.validate_rules(rule_set.plugin, rule_set.config)
        except UnknownPlugin as exc:
            messages.append(checks.Error(f"{where}: {exc}", hint="Install the plugin or delete the rule set.",
                                         id="plugins.E002"))
            continue
        messages.extend(checks.Error(f"{where}: {p.render()}", id="plugins.E003",
                                     hint=f"Publish corrected rules: manage.py rules publish --project "
                                          f"{rule_set.project.code} {rule_set.plugin} FILE")
                        for p in problems)
    return messages


def _package_of(plugin) -> str | None:
    """`plugins.points` for hooks in `plugins.points.plugin`: the package that would be the Django app."""
    return plugin.module.rsplit(".", 1)[0] if "." in plugin.module else None

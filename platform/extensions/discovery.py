"""Finding plugins: the packages under `plugins/`, and installed packages' entry points.

A shipped plugin is a package `plugins/<name>/` with a `plugin` module holding its
hook implementations. A client's plugin can ship as its own distribution and declare
an entry point in the `platform.plugins` group; its name there is the plugin's name:

    [project.entry-points."platform.plugins"]
    acme_bonus = "acme_bonus.plugin"

`PLATFORM_DISABLED_PLUGINS` (a setting, default empty) names plugins not to load.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import pluggy
from django.conf import settings

from . import hookspecs

DEFAULT_PACKAGES = ("plugins",)


@dataclass(frozen=True)
class Found:
    """A registered plugin and where it came from, for messages and `manage.py rules plugins`."""

    name: str
    obj: object
    origin: str

    @property
    def module(self) -> str:
        """The module holding the hooks (the object itself when it is a module)."""
        return self.obj.__name__ if isinstance(self.obj, ModuleType) else type(self.obj).__module__


def plugin_manager() -> tuple[pluggy.PluginManager, list[Found], list[str]]:
    """A plugin manager with every plugin registered, what was found, and the problems met."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in getattr(settings, "PLATFORM_DISABLED_PLUGINS", ()):
        pm.set_blocked(name)
    found: list[Found] = []
    problems: list[str] = []
    for package in getattr(settings, "PLATFORM_PLUGIN_PACKAGES", DEFAULT_PACKAGES):
        for name, module_name in _folder_plugins(package, problems):
            _register(pm, name, lambda m=module_name: importlib.import_module(m), module_name, found, problems)
    for entry_point in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
        origin = f"entry point {entry_point.name} = {entry_point.value}"
        if entry_point.dist is not None:
            origin += f" ({entry_point.dist.name} {entry_point.dist.version})"
        _register(pm, entry_point.name, entry_point.load, origin, found, problems)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        problems.append(f"plugin {pm.get_name(exc.plugin)!r}: {exc}")
    return pm, found, problems


def _folder_plugins(package: str, problems: list[str]) -> list[tuple[str, str]]:
    try:
        root = importlib.import_module(package)
    except ImportError as exc:
        problems.append(f"plugin package {package!r} cannot be imported: {exc}")
        return []
    out = []
    for module in sorted(pkgutil.iter_modules(getattr(root, "__path__", [])), key=lambda m: m.name):
        if module.ispkg and importlib.util.find_spec(f"{package}.{module.name}.plugin") is not None:
            out.append((module.name, f"{package}.{module.name}.plugin"))
    return out


def _register(pm: pluggy.PluginManager, name: str, load, origin: str, found: list[Found],
              problems: list[str]) -> None:
    if pm.is_blocked(name):
        return
    if pm.has_plugin(name):
        other = next(f.origin for f in found if f.name == name)
        problems.append(f"plugin {name!r} from {origin} has the name of the plugin from {other}; one was ignored")
        return
    try:
        obj = load()
        if pm.is_registered(obj):
            return  # the same module reached twice (folder and entry point): one plugin
        pm.register(obj, name=name)
    except pluggy.PluginValidationError as exc:
        problems.append(f"plugin {name!r} from {origin}: {exc}")
        return
    except Exception as exc:  # a broken plugin must be reported, not crash discovery of the others
        problems.append(f"plugin {name!r} from {origin} failed to load: {type(exc).__name__}: {exc}")
        return
    found.append(Found(name, obj, origin))

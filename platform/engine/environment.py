"""The Environment flows are validated against in this installation."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings

from definitions import ActionCatalogue, Environment
from kernel.settings_schema import project_settings_schema


def action_catalogue() -> ActionCatalogue:
    """Every action a flow may call: the kernel's, the engine's and the installed plugins'."""
    from engine.actions import SPECS as ENGINE_ACTIONS
    from extensions import registry
    from kernel.actions import SPECS as KERNEL_ACTIONS

    return ActionCatalogue.of(KERNEL_ACTIONS + ENGINE_ACTIONS + tuple(registry.action_specs()))


def flow_names() -> frozenset[str]:
    """The flow templates shipped in the code tree (a project may have client templates besides)."""
    flows_dir = Path(settings.FLOWS_DIR)
    return frozenset(p.stem for p in flows_dir.glob("*.y*ml")) if flows_dir.is_dir() else frozenset()


def environment(project=None) -> Environment:
    """The environment of the shipped templates; with a project, its client templates' flows known too."""
    names = flow_names()
    if project is not None:
        from .models import ClientTemplate  # the models are ready by the time a project is at hand

        names = names | frozenset(ClientTemplate.objects.filter(projects=project).values_list("name", flat=True))
    return Environment(
        actions=action_catalogue(),
        schemas_dir=Path(settings.SCHEMAS_DIR),
        project_settings_schema=project_settings_schema(),
        flow_names=names,
    )

"""`manage.py check` loads every flow and schema, so a broken setup fails at start-up."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks

from definitions import DefinitionError, load_flows


@checks.register("flows")
def check_flow_templates(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .environment import environment

    try:
        env = environment()
    except DefinitionError as exc:
        return [checks.Error(str(p), hint="Fix schemas/project-settings.json.", id="flows.E002")
                for p in exc.problems]
    _, problems = load_flows([Path(settings.FLOWS_DIR)], env, Path(settings.FLOWS_DIR).parent)
    return [
        checks.Error(p.render(with_line=True), hint="Run `python manage.py flows validate` for the full list.",
                     id="flows.E001")
        for p in problems
    ]

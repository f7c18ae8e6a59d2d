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


@checks.register("flows", checks.Tags.database)
def check_client_templates(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """The client templates stored from bundles, checked against this release as the shipped files are.

    A release may drop an action a client's own flow calls, or ship a flow of the same name;
    that is caught when the installation is checked (`manage.py check --database default`,
    and `migrate`, which checks the database it migrates), not when a record starts. Tagged
    `database` because it reads the database: plain `manage.py check` runs without one.
    """
    from django.db import DatabaseError

    from .client_templates import check_installed

    if not databases or "default" not in databases:
        return []
    try:
        _valid, problems = check_installed()
    except DatabaseError:
        return []  # not migrated yet: there is nothing stored to check
    return [
        checks.Error(p.render(with_line=True), id="flows.E003",
                     hint="Fix the client's bundle and load it again (`python manage.py bundle load DIR`); "
                          "`python manage.py flows validate --installed` lists every problem.")
        for p in problems
    ]


@checks.register("flows", checks.Tags.database)
def check_unread_project_settings(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """A project setting a project has set but nothing reads: it changes nothing, which the admin should know.

    The studio names every unread setting on its front page; here only those a project has
    actually set are reported (a warning, not an error: the value may be meant for later).
    `manage.py check --database default` runs it, as it does the client templates' check.
    """
    from django.db import DatabaseError

    from kernel.models import Project

    from .versions_checks import unread_settings

    if not databases or "default" not in databases:
        return []
    out: list[checks.CheckMessage] = []
    try:
        for project in Project.objects.exclude(settings={}).order_by("code"):
            chosen = set(project.settings or {})
            for finding in unread_settings(project):
                if finding.name in chosen:
                    out.append(checks.Warning(
                        f"project {project.code} sets {finding.name!r}, which no published flow of the project and "
                        "no part of the platform reads: it changes nothing", id="flows.W001",
                        hint="Publish a flow that reads it (a guard, a duration `after: {setting: ...}`), or remove "
                             "it from the project's settings."))
    except DatabaseError:
        return []  # not migrated yet
    return out

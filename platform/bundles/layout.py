"""Where each part of a client's configuration lives in a bundle (docs/bundles.md, "Layout").

    manifest.yaml
    groups.yaml                        optional: group roles (figures.GroupMembership) in the projects' companies
    templates/flows/NAME.yaml          the client's own flow templates
    templates/schemas/NAME.json        and their entity schemas
    projects/CODE/project.yaml         name, company, region, settings, flows, queue batches
    projects/CODE/units.yaml           buildings and units (the price list)
    projects/CODE/members.yaml         optional: usernames and roles
    projects/CODE/campaigns.yaml       optional: marketing campaigns
    projects/CODE/documents.yaml       optional: the project's own document templates (name, flow, titles)
    projects/CODE/documents/NAME.html  and each one's body, as saved
    projects/CODE/overrides/FLOW.yaml  the project's overrides of one flow
    projects/CODE/rules/PLUGIN.yaml    the project's rules for one plugin
"""
from __future__ import annotations

import re

FORMAT_VERSION = 1
MANIFEST = "manifest.yaml"
GROUPS = "groups.yaml"
TEMPLATE_FLOWS = "templates/flows"
TEMPLATE_SCHEMAS = "templates/schemas"
PROJECTS = "projects"

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CODE = re.compile(r"^[-a-zA-Z0-9_]{1,32}$")


def project_file(code: str, name: str) -> str:
    return f"{PROJECTS}/{code}/{name}"


def overrides_file(code: str, flow: str) -> str:
    return f"{PROJECTS}/{code}/overrides/{flow}.yaml"


def documents_file(code: str) -> str:
    return f"{PROJECTS}/{code}/documents.yaml"


def document_body_file(code: str, name: str) -> str:
    return f"{PROJECTS}/{code}/documents/{name}.html"


def rules_file(code: str, plugin: str) -> str:
    return f"{PROJECTS}/{code}/rules/{plugin}.yaml"


def flow_file(name: str) -> str:
    return f"{TEMPLATE_FLOWS}/{name}.yaml"


def schema_file(name: str) -> str:
    return f"{TEMPLATE_SCHEMAS}/{name}"

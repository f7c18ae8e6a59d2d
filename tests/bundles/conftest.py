"""Helpers of the bundle tests: the sample clients, running `manage.py bundle`, what an installation holds."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "clients"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]


def bundle(*args: str) -> Run:
    """`manage.py bundle ARGS` in this process, as a script runs it: its exit code and what it wrote."""
    out, err = StringIO(), StringIO()
    try:
        call_command("bundle", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def sample(tmp_path):
    """A private copy of a sample client bundle, which a test may edit."""
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(SAMPLES / name, target)
        return target
    return copy


def folder_bytes(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def configuration() -> dict:
    """What a load may write, counted and hashed: a test that nothing was written compares two of these."""
    from accounts.models import Membership, User
    from documents.models import DocumentTemplate, DocumentTemplateRevision
    from engine.models import ClientTemplate, FlowBinding, FlowVersion
    from extensions.models import RuleSet
    from kernel.models import Building, Campaign, Company, Project, QueueBatch, Region, Unit

    return {
        "projects": sorted(Project.objects.values_list("code", "name", "settings")),
        "companies": sorted(Company.objects.values_list("code", "name", "share_customers")),
        "regions": Region.objects.count(),
        "versions": sorted(FlowVersion.objects.values_list("project__code", "flow", "number", "status")),
        "bindings": sorted((b.project.code, b.flow, str(b.overrides)) for b in FlowBinding.objects.all()),
        "templates": sorted(ClientTemplate.objects.values_list("name", "content_hash")),
        "rules": sorted(RuleSet.objects.values_list("project__code", "plugin", "revision")),
        "buildings": Building.objects.count(),
        "units": sorted(Unit.objects.values_list("code", "list_price", "built_area")),
        "users": sorted(User.objects.values_list("username", "display_name")),
        "members": sorted(Membership.objects.values_list("user__username", "project__code", "role")),
        "campaigns": sorted(Campaign.objects.values_list("name", "cost")),
        "batches": QueueBatch.objects.count(),
        "documents": sorted(DocumentTemplate.objects.values_list("project__code", "name", "flow", "title_zh",
                                                                 "title_en", "body", "revision")),
        "document_revisions": DocumentTemplateRevision.objects.count(),
    }

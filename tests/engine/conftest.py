import shutil
from pathlib import Path

import pytest

from kernel.models import Project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(db):
    return Project.objects.create(code="P1", name="Project one", settings={"discount_allowance": "0.02"})


@pytest.fixture
def flows_dir(settings, tmp_path):
    """A private copy of flows/ that a test may edit, as an implementer would."""
    target = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", target)
    settings.FLOWS_DIR = target
    return target

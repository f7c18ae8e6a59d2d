"""Fixtures shared by the engine and web tests: projects, people with roles, flow folders."""
import shutil
from pathlib import Path

import pytest

from kernel.models import Project
from tests import db_template

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database copied from the migrated one kept between runs (tests/db_template.py)."""
    db_template.before_setup()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's set-up, then the migrated database kept for the next runs when this one migrated it."""
    with django_db_blocker.unblock():
        db_template.after_setup()


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


@pytest.fixture
def engine_flows(flows_dir):
    """flows/ plus the small test flows kept next to the engine tests."""
    for path in (ROOT / "tests" / "engine" / "flows").glob("*.yaml"):
        shutil.copy(path, flows_dir / path.name)
    return flows_dir


@pytest.fixture
def people(db):
    """A member per role in project P1, and an outsider who only belongs to P2."""
    from accounts.models import Membership, User

    p1 = Project.objects.get_or_create(code="P1", defaults={"name": "Project one",
                                                            "settings": {"discount_allowance": "0.02"}})[0]
    p2 = Project.objects.create(code="P2", name="Project two", settings={"discount_allowance": "0.02"})
    made = {}
    for username, role, project in [
        ("consultant", "sales_consultant", p1), ("consultant2", "sales_consultant", p1),
        ("director", "project_director", p1), ("fin", "finance", p1), ("fin2", "finance", p1),
        ("manager", "sales_manager", p1), ("outsider", "sales_consultant", p2),
    ]:
        user = User.objects.create_user(username, password="x")
        Membership.objects.create(user=user, project=project, role=role)
        made[username] = user
    made["p1"], made["p2"] = p1, p2
    return made

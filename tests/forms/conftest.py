"""A project with units, customers and members, and the page refs a consultant's form uses."""
from __future__ import annotations

import pytest

from kernel import customers
from kernel.models import Project
from tests.kernel.conftest import NOW, make_units, make_user
from web.views.lookups import PageRefs


@pytest.fixture
def world(db):
    p1 = Project.objects.create(code="F1", name="Forms garden", settings={"time_zone": "Asia/Shanghai"})
    p2 = Project.objects.create(code="F2", name="Other garden")
    consultant = make_user("lina", p1, "sales_consultant")
    other = make_user("zhou", p1, "sales_consultant")
    make_user("outsider", p2, "sales_consultant")
    units = make_units(p1, 4)
    other_units = make_units(p2, 1)
    zhang = customers.register(project_id=p1.pk, consultant_id=other.pk, name="张伟", phone="13812341234",
                               now=NOW).customer
    li = customers.register(project_id=p1.pk, consultant_id=consultant.pk, name="李娜", phone="13900001111",
                            now=NOW).customer
    far = customers.register(project_id=p2.pk, consultant_id=consultant.pk, name="王芳", phone="13700002222",
                             now=NOW).customer
    return {"p1": p1, "p2": p2, "consultant": consultant, "other": other, "units": units,
            "other_units": other_units, "zhang": zhang, "li": li, "far": far}


@pytest.fixture
def refs(world) -> PageRefs:
    return PageRefs(world["consultant"], world["p1"])

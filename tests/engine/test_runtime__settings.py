"""Guards read project settings with the schema's defaults filled in."""
from decimal import Decimal

from engine.runtime.context import project_view
from kernel.models import Project


def test_project_view_fills_defaults_and_reads_decimals(db):
    project = Project.objects.create(code="PX", name="x", settings={"discount_allowance": "0.03"})

    view = project_view(project)

    assert view["discount_allowance"] == Decimal("0.03")
    assert view["director_discount_allowance"] == Decimal("0.05")  # the schema's default
    assert view["reservation_hours"] == 72

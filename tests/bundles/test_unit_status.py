"""A unit kept off sale (销控, withheld) travels in a bundle; a deal's status never does, and a load never changes it."""
from kernel.models import Project, SaleStatus, Unit

from .conftest import SAMPLES, bundle


def test_withheld_travels_and_a_deals_status_stays(db, tmp_path):
    assert bundle("load", str(SAMPLES / "harbour-homes")).code == 0
    project = Project.objects.get(code="HARBOUR")
    withheld, subscribed, *_rest = Unit.objects.filter(project=project).order_by("code")
    Unit.objects.filter(pk=withheld.pk).update(status=SaleStatus.WITHHELD)
    Unit.objects.filter(pk=subscribed.pk).update(status=SaleStatus.SUBSCRIBED)
    out = tmp_path / "out"
    assert bundle("export", "--project", "HARBOUR", str(out)).code == 0
    text = next(out.rglob("units.yaml")).read_text()
    assert f"code: {withheld.code}," in text and text.count("status: withheld") == 1 and "subscribed" not in text

    # loading the bundle back changes nothing: the subscribed unit stays subscribed
    assert bundle("load", str(out)).code == 0
    assert dict(Unit.objects.filter(project=project).exclude(status=SaleStatus.AVAILABLE)
                .values_list("code", "status")) == {withheld.code: "withheld", subscribed.code: "subscribed"}

    # the sample, where the unit is on sale, puts the withheld unit back on sale; the deal's unit keeps its status
    assert bundle("load", str(SAMPLES / "harbour-homes")).code == 0
    assert dict(Unit.objects.filter(project=project).exclude(status=SaleStatus.AVAILABLE)
                .values_list("code", "status")) == {subscribed.code: "subscribed"}

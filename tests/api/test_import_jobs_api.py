"""Import jobs through the API: the project's imports and one job's status and row problems, for its admins and
implementers (others refused in words, strangers 404); an upload runs the page's job (dry run writes nothing);
a fixed number of queries whatever the jobs."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports.jobs import create_job, run_job
from imports.models import ImportJob, JobStatus
from kernel.models import Unit
from tests.imports.conftest import read_xlsx, xlsx
from tests.kernel.conftest import make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/S1/import-jobs/"
HEADERS = ["building", "code", "floor", "position", "built_area", "inner_area", "list_price"]
GOOD = [["9", "9-101", 1, "01", 90, 80, 1000000], ["9", "9-102", 1, "02", 90, 80, 1000000]]
BAD = [["9", "9-101", 1, "01", 90, 80, 1000000], ["9", "9-102", "x", "02", 90, 100, 1000000]]


@pytest.fixture
def admin(world):
    p, u, units = world
    return make_user("s1_admin", p, "project_admin")


def _job(project, user, rows, *, language="en", dry_run=False):
    return run_job(create_job("units", project, user, xlsx(HEADERS, rows), "units.xlsx", dry_run=dry_run,
                              language=language).pk)


def test_a_refused_jobs_problems_are_at_sheet_row_column_value_in_the_callers_language(world, admin):
    p, u, units = world
    job = _job(p, admin, BAD, language="en")

    en = client_for(admin, language="en").get(f"{URL}{job.pk}/").json()
    zh = client_for(admin, language="zh-hans").get(f"{URL}{job.pk}/").json()

    assert (en["status"], en["status_title"], en["problem_count"], en["more_problems"]) == (
        "refused", "refused: the file has problems, nothing was written", 2, 0)
    assert en["problems"] == [
        {"sheet": "Sheet", "row": 3, "column": "Floor", "value": "x", "message": "not a whole number"},
        {"sheet": "Sheet", "row": 3, "column": "Inner area (m²)", "value": "100",
         "message": "cannot be more than the built area (90.00 m²)"}]
    assert [pr["column"] for pr in zh["problems"]] == ["楼层", "套内面积（m²）"]
    assert zh["status_title"] != en["status_title"] and zh["kind_title"] != en["kind_title"]
    assert en["counts"]["written"] == 0 and Unit.objects.filter(code__startswith="9-").count() == 0


def test_a_refused_jobs_marked_file_is_handed_back(world, admin, other):
    p, u, units = world
    refused = _job(p, admin, BAD, language="en")
    checked = _job(p, admin, GOOD, dry_run=True)
    client = client_for(admin)

    link = client.get(f"{URL}{refused.pk}/").json()["problems_file"]
    marked = client.get(link)

    assert link.endswith(f"{URL}{refused.pk}/problems-file/")
    assert marked.status_code == 200 and marked["Content-Disposition"] == 'attachment; filename="units-problems.xlsx"'
    rows = read_xlsx(marked.content)
    assert rows[0][-1] == "Problems" and rows[2][-1].startswith("Floor: not a whole number")
    assert client.get(f"{URL}{checked.pk}/").json()["problems_file"] is None
    assert client.get(f"{URL}{checked.pk}/problems-file/").status_code == 404
    assert client_for(other[1]["sales_manager"]).get(link).status_code == 404
    assert client_for(u["sales_manager"]).get(link).status_code == 403


def test_the_list_is_the_projects_newest_first_and_mine(world, admin):
    p, u, units = world
    other_admin = make_user("s1_admin2", p, "implementer")
    first = _job(p, admin, GOOD, dry_run=True)
    second = _job(p, other_admin, BAD)
    client = client_for(admin)

    everyone = client.get(URL).json()["results"]
    mine = client.get(URL, {"mine": "true"}).json()["results"]
    refused = client.get(URL, {"status": "refused"}).json()["results"]

    assert [r["id"] for r in everyone] == [second.pk, first.pk]
    assert [r["id"] for r in mine] == [first.pk]
    assert [r["id"] for r in refused] == [second.pk]
    assert everyone[1]["status"] == "checked" and everyone[1]["dry_run"] is True
    assert everyone[0]["uploaded_by"] == str(other_admin)
    bad = client.get(URL, {"kind": "houses"})
    assert bad.status_code == 400 and bad.json()["type"] == "/api/problems/bad_filter"


def test_an_upload_runs_the_same_job_and_a_dry_run_writes_nothing(world, admin, django_capture_on_commit_callbacks):
    p, u, units = world
    client = client_for(admin)
    upload = xlsx(HEADERS, GOOD)  # made once: a workbook written a second later differs (its saved-at time)

    with django_capture_on_commit_callbacks(execute=True):
        checked = client.post(URL, {"kind": "units", "dry_run": "true",
                                    "file": SimpleUploadedFile("units.xlsx", upload)},
                              format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert checked.status_code == 202, checked.content
    job = ImportJob.objects.get(pk=checked.json()["id"])
    assert (job.status, job.dry_run, job.created_count, job.created_by) == (JobStatus.CHECKED, True, 2, admin)
    assert Unit.objects.filter(code__startswith="9-").count() == 0
    assert client.get(f"{URL}{job.pk}/").json()["counts"]["created"] == 2

    # the same upload again with the same key: answered again, nothing more queued
    again = client.post(URL, {"kind": "units", "dry_run": "true",
                              "file": SimpleUploadedFile("units.xlsx", upload)},
                        format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(URL, {"kind": "units", "file": SimpleUploadedFile("units.xlsx", xlsx(HEADERS, GOOD))},
                           format="multipart")
    assert done.status_code == 202
    assert ImportJob.objects.get(pk=done.json()["id"]).status == JobStatus.DONE
    assert Unit.objects.filter(code__startswith="9-").count() == 2


def test_an_upload_is_refused_at_its_field(world, admin):
    p, u, units = world
    client = client_for(admin)

    no_kind = client.post(URL, {"kind": "houses", "file": SimpleUploadedFile("u.xlsx", b"x")}, format="multipart")
    no_file = client.post(URL, {"kind": "units"}, format="multipart")
    wrong = client.post(URL, {"kind": "units", "file": SimpleUploadedFile("u.pdf", b"%PDF")}, format="multipart")

    assert no_kind.status_code == no_file.status_code == wrong.status_code == 422
    assert [e["path"] for e in no_kind.json()["errors"]] == ["kind"]
    assert [e["path"] for e in no_file.json()["errors"]] == ["file"]
    assert wrong.json()["errors"] == [{"path": "file", "message": "Upload an .xlsx or .csv file (u.pdf is neither)."}]
    assert not ImportJob.objects.exists()


def test_other_members_are_refused_in_words_and_strangers_get_404(world, other, admin):
    p, u, units = world
    job = _job(p, admin, GOOD, dry_run=True)

    for role in ("sales_manager", "sales_consultant", "finance"):
        client = client_for(u[role])
        refused = client.get(URL)
        assert refused.status_code == 403, role
        assert refused.json()["type"] == "/api/problems/not_permitted"
        assert "project admins and implementers" in refused.json()["detail"]
        assert client.get(f"{URL}{job.pk}/").status_code == 403
        assert client.post(URL, {"kind": "units", "file": SimpleUploadedFile("u.xlsx", xlsx(HEADERS, GOOD))},
                           format="multipart").status_code == 403
    stranger = client_for(other[1]["sales_manager"])
    assert stranger.get(URL).status_code == 404
    assert stranger.get(f"{URL}{job.pk}/").status_code == 404
    # a job of another project is not found through this one
    s2_admin = make_user("s2_admin", other[0], "project_admin")
    assert client_for(s2_admin).get(f"/api/v1/projects/S2/import-jobs/{job.pk}/").status_code == 404
    assert ImportJob.objects.count() == 1


def test_a_read_only_token_may_read_but_not_upload(world, admin):
    reader = client_for(admin, scope="read")

    assert reader.get(URL).status_code == 200
    refused = reader.post(URL, {"kind": "units", "file": SimpleUploadedFile("u.xlsx", xlsx(HEADERS, GOOD))},
                          format="multipart")
    assert refused.status_code == 403 and not ImportJob.objects.exists()


def test_the_list_costs_the_same_queries_for_3_jobs_as_for_30(world, admin):
    p, u, units = world
    client = client_for(admin)
    content = xlsx(HEADERS, GOOD)

    def grow(upto: int) -> None:
        for i in range(ImportJob.objects.count(), upto):
            ImportJob.objects.create(kind="units", project=p, created_by=admin, file=content,
                                     file_name=f"u{i}.xlsx", status=JobStatus.CHECKED)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len([q for q in queries.captured_queries if not q["sql"].startswith('UPDATE "api_apitoken"')]), \
            len(response.json()["results"])

    grow(3)
    few = count()
    grow(30)
    many = count()

    assert (few[1], many[1]) == (3, 30)
    assert few[0] == many[0]

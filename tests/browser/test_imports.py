"""An upload in a real browser: the progress bar moves while the job runs (htmx polling, under the CSP), the page
survives a reload, and a file with problems ends with them listed and its marked copy downloaded."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from imports.jobs import create_job, run_job
from imports.models import ImportJob, JobStatus
from kernel.models import Project, Unit
from tests.kernel.conftest import make_user

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)
HEADERS = ["building", "code", "floor", "position", "built_area", "inner_area", "list_price"]


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_upload_shows_its_progress_and_its_error_file(page, live_server, tmp_path):
    project = Project.objects.create(code="NEW", name="New garden")
    admin = make_user("admin1", project, "project_admin")
    refused = csp_violations(page)
    log_in(page, live_server, "admin1")

    # a job under way: the bar and the counters follow its row, also after a reload
    job = create_job("units", project, admin, workbook([["7", "7-1", 1, "01", 90, 80, 1]]), "units.xlsx",
                     dry_run=False, language="zh-hans")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, rows_total=4, rows_read=1, rows_validated=1)
    page.goto(f"{live_server.url}/projects/NEW/imports/{job.pk}/")
    expect(page.locator("progress[data-progress]")).to_have_attribute("value", "25")
    ImportJob.objects.filter(pk=job.pk).update(rows_read=3, rows_validated=3)
    expect(page.locator("progress[data-progress]")).to_have_attribute("value", "75")  # polled, no reload
    page.reload()
    expect(page.locator("[data-count=validated]")).to_have_text("3")
    run_job(job.pk)
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "done")  # the last poll
    expect(page.locator("[data-done]")).to_be_visible()
    assert Unit.objects.count() == 1

    # a file with problems, through the upload form: listed, and the marked copy downloaded
    path = tmp_path / "bad-units.xlsx"
    path.write_bytes(workbook([["7", "7-2", "十五", "02", 90, 100, 1]]))
    page.goto(f"{live_server.url}/projects/NEW/imports/")
    page.select_option("select[name=kind]", "units")
    page.set_input_files("input[name=file]", str(path))
    page.locator("[data-upload] button[type=submit]").click()
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "refused")
    expect(page.locator("[data-problem]")).to_have_count(2)
    expect(page.locator("[data-problems]")).to_contain_text("不是整数")
    with page.expect_download() as download:
        page.locator("[data-error-file]").click()
    saved = tmp_path / "marked.xlsx"
    download.value.save_as(saved)
    assert "不是整数" in load_workbook(saved).worksheets[0]["H2"].value
    assert Unit.objects.count() == 1
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/projects/NEW/imports/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert refused == []

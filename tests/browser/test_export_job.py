"""A long list's export job in a real browser, on a 360 px phone: the bar follows the rows written (htmx polling,
under the CSP), a reload keeps it, and the file is offered when the job ends."""
import pytest
from playwright.sync_api import expect

from imports import export_jobs
from imports.models import ExportJob, ExportStatus
from kernel.models import Project
from tests.kernel.conftest import make_units, make_user

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_export_job_shows_its_progress_and_offers_the_file(page, live_server, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    project = Project.objects.create(code="NEW", name="New garden")
    manager = make_user("boss", project, "sales_manager")
    make_units(project, 3)
    refused = csp_violations(page)
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server, "boss")

    job = export_jobs.create("units", manager, project=project, params="", ext="xlsx", total=4, title="房源",
                             file_name="units-NEW-20261203-with-a-long-name-for-a-small-screen.xlsx",
                             language="zh-hans")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_written=1)
    page.goto(f"{live_server.url}/exports/{job.pk}/")
    expect(page.locator("progress[data-progress]")).to_have_attribute("value", "25")
    ExportJob.objects.filter(pk=job.pk).update(rows_written=3)
    expect(page.locator("progress[data-progress]")).to_have_attribute("value", "75")  # polled, no reload
    page.reload()
    expect(page.locator("[data-count=written]")).to_have_text("3 / 4")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    from web.views.list_tables import job_table
    export_jobs.run(job.pk, job_table)
    expect(page.locator("#export-progress")).to_have_attribute("data-status", "done")  # the last poll
    with page.expect_download() as download:
        page.locator("[data-download]").click()
    saved = tmp_path / "saved.xlsx"
    download.value.save_as(saved)
    from openpyxl import load_workbook
    rows = list(load_workbook(saved).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 + 3 and rows[1][0] == "楼栋"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert refused == []

"""My exports on a 360 px phone, in Chinese and English: every row a card that fits the screen (long file and filter
words wrap), the ready file downloads, an expired one's link says it was deleted, and Run again starts a new job."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from imports import export_jobs
from imports.models import ExportJob, ExportStatus
from kernel.models import Project
from tests.kernel.conftest import make_units, make_user

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {  # language: (page title, an expired row's status, the 410 page's heading, the filters of the long row)
    "zh-hans": ("我的导出", "已过期：文件已删除", "此文件已不再保留", "搜索：一个很长很长的客户名字用来检查换行"),
    "en": ("My exports", "expired: the file was deleted", "This file is no longer kept",
           "Search: 一个很长很长的客户名字用来检查换行"),
}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"
                         " && document.body.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_my_exports_fit_a_phone_and_run_again(page, live_server, settings, tmp_path, language):
    from web.views.list_tables import job_table

    settings.VAR_DIR = tmp_path
    project = Project.objects.create(code="NEW", name="New garden with a rather long project name")
    boss = make_user("boss", project, "sales_manager")
    make_units(project, 3)
    ready = export_jobs.run(export_jobs.create(
        "units", boss, project=project, params="", ext="xlsx", total=3, title="Units",
        file_name="units-NEW-20261203-with-a-long-name-for-a-small-screen.xlsx", language=language).pk, job_table)
    gone = export_jobs.create("customers", boss, project=project, ext="xlsx", total=12000, title="Customers",
                              params=f"q=一个很长很长的客户名字用来检查换行&consultant={boss.pk}&contact=older&overdue=1"
                                     "&order=-registered",
                              file_name="customers-NEW-20261120.xlsx", language=language)
    ExportJob.objects.filter(pk=gone.pk).update(status=ExportStatus.EXPIRED, rows_written=12000, size=1_234_567,
                                                expired_at=timezone.now(), finished_at=timezone.now())
    title, expired_words, gone_heading, filter_words = WORDS[language]

    refused = csp_violations(page)
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, "boss")
    page.goto(f"{live_server.url}/exports/")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(f'[data-export="{gone.pk}"] [data-status-text]')).to_contain_text(expired_words)
    expect(page.locator(f'[data-export="{gone.pk}"] [data-filters]')).to_contain_text(filter_words)
    expect(page.locator(f'[data-export="{ready.pk}"] [data-download]')).to_be_visible()
    assert page.locator(f'[data-export="{gone.pk}"] [data-download]').count() == 0
    assert fits(page)
    with page.expect_download() as download:
        page.locator(f'[data-export="{ready.pk}"] [data-download]').click()
    assert download.value.suggested_filename == ready.file_name

    response = page.goto(f"{live_server.url}/exports/{gone.pk}/file/")
    assert response is not None and response.status == 410
    expect(page.locator("[data-expired] h2")).to_have_text(gone_heading)
    assert fits(page)
    page.locator("[data-again]").click()  # a new job of the same list and filters, followed on its page
    new = ExportJob.objects.latest("pk")
    page.wait_for_url(f"{live_server.url}/exports/{new.pk}/")
    assert new.pk != gone.pk and new.params == gone.params and new.kind == "customers"
    expect(page.locator("[data-message=success]")).to_be_visible()
    assert fits(page)
    assert refused == []

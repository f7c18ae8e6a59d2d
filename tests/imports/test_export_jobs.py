"""Long lists exported as huey jobs: the same rows as the inline download, masked per role, for the asker only."""
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports import export_jobs
from imports.models import ExportJob, ExportStatus
from kernel import customers as kernel_customers
from tests.imports.conftest import read_xlsx


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the job's files go under VAR_DIR/exports
    return tmp_path


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def register_three(site):
    p = site["project"]
    kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name="李娜", phone="13812341234")
    kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="张伟", phone="13900000001")
    kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="王芳", phone="13700000002")


def inline_and_job(client, settings, capture, url):
    """The rows (after the title row) of the inline download and of the job's file, for the same URL."""
    settings.EXPORT_INLINE_MAX_ROWS = 1000
    inline = client.get(url)
    assert inline.status_code == 200 and inline["Content-Disposition"].startswith("attachment")
    settings.EXPORT_INLINE_MAX_ROWS = 1
    with capture(execute=True):
        queued = client.get(url)
    job = ExportJob.objects.latest("pk")
    assert queued.status_code == 302 and queued["Location"] == reverse("web:export-job", args=[job.pk])
    assert job.status == ExportStatus.DONE, job.error
    download = client.get(reverse("web:export-job-file", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    if url.split("?")[0].endswith(".csv"):
        return (inline.content.decode("utf-8-sig").splitlines()[1:], content.decode("utf-8-sig").splitlines()[1:],
                job)
    return read_xlsx(inline.content)[1:], read_xlsx(content)[1:], job


def test_a_long_customer_list_is_written_by_a_job_with_the_inline_rows_masked_per_role(
        client, site, settings, django_capture_on_commit_callbacks):
    register_three(site)
    url = reverse("web:export", args=["NEW", "customers", "xlsx"])
    login(client, site["wang"])
    inline, job_rows, job = inline_and_job(client, settings, django_capture_on_commit_callbacks, url + "?all=1")
    assert job_rows == inline and job.rows_written == 3 and job.rows_total == 3 and job.params == "all=1"
    assert [(r[0], r[1]) for r in job_rows[1:]] == [("张伟", "139****0001"), ("李娜", "+8613812341234"),
                                                    ("王芳", "137****0002")]  # others' phones masked, as on screen
    login(client, site["manager"])
    inline, job_rows, _job = inline_and_job(client, settings, django_capture_on_commit_callbacks, url)
    assert job_rows == inline and [r[1] for r in job_rows[1:]] == ["+8613900000001", "+8613812341234",
                                                                   "+8613700000002"]


def test_the_job_keeps_the_lists_filter_and_the_language_of_the_request(
        client, site, settings, django_capture_on_commit_callbacks):
    register_three(site)
    settings.EXPORT_INLINE_MAX_ROWS = 0
    login(client, site["manager"], "zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("web:export", args=["NEW", "customers", "xlsx"]) + "?q=张伟")
    job = ExportJob.objects.get()
    login(client, site["manager"], "en")  # the file was written in the language the user asked in
    rows = read_xlsx(b"".join(client.get(reverse("web:export-job-file", args=[job.pk])).streaming_content))
    assert rows[1][:3] == ["姓名", "电话", "置业顾问"] and [r[0] for r in rows[2:]] == ["张伟"]
    assert job.language == "zh-hans"


def test_the_threshold_switches_between_the_download_and_the_job(client, site, settings,
                                                                  django_capture_on_commit_callbacks):
    register_three(site)
    login(client, site["manager"])
    url = reverse("web:export", args=["NEW", "customers", "csv"])
    settings.EXPORT_INLINE_MAX_ROWS = 3  # exactly as many rows: still inline
    assert client.get(url)["Content-Type"] == "text/csv; charset=utf-8" and not ExportJob.objects.exists()
    settings.EXPORT_INLINE_MAX_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.ext == "csv" and job.file_name.endswith(".csv")
    page = client.get(response["Location"]).content.decode()
    assert "The list has 3 rows: it is being written in the background" in page


def test_the_records_list_and_the_inbox_as_jobs_give_the_inline_rows(client, site, settings,
                                                                     django_capture_on_commit_callbacks):
    from engine import versions
    from engine.runtime import records
    from tests.kernel.conftest import make_units
    versions.publish(site["project"], "reservation")
    units = make_units(site["project"], 2)
    for unit, name, phone in zip(units, ["李娜", "张伟"], ["13812341234", "13900000001"]):
        customer = kernel_customers.register(project_id=site["project"].pk, consultant_id=site["wang"].pk,
                                             name=name, phone=phone).customer
        records.start_record(site["wang"], site["project"], "reservation",
                             {"customer_id": customer.pk, "unit_id": unit.pk})
    login(client, site["wang"])
    url = reverse("web:record-list-export", args=["NEW", "reservation", "xlsx"])
    inline, job_rows, job = inline_and_job(client, settings, django_capture_on_commit_callbacks, url)
    assert job_rows == inline and len(job_rows) == 3 and job.kind == "records" and job.flow == "reservation"
    inline, job_rows, job = inline_and_job(client, settings, django_capture_on_commit_callbacks,
                                           reverse("web:inbox-export", args=["csv"]) + "?view=all")
    assert job_rows == inline and len(job_rows) > 1 and job.kind == "inbox" and job.project is None
    page = client.get(reverse("web:export-job", args=[job.pk])).content.decode()
    assert "data-download" in page and f'href="{reverse("web:inbox")}?view=all"' in page


def test_a_job_whose_process_died_stops_polling_and_says_to_ask_again(client, site):
    from datetime import timedelta

    from django.utils import timezone
    job = export_jobs.create("customers", site["manager"], project=site["project"], params="q=%E5%BC%A0", ext="xlsx",
                             total=9000, title="Customers", file_name="c.xlsx", language="en")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_written=1000,
                                               updated_at=timezone.now() - timedelta(minutes=5))
    login(client, site["manager"], "zh-hans")
    page = client.get(reverse("web:export-job", args=[job.pk])).content.decode()
    assert "hx-get" not in page and "已中断" in page and "请从列表重新导出" in page
    assert reverse("web:customer-list", args=["NEW"]) + "?q=%E5%BC%A0" in page
    assert_no_raw_codes(page)


def test_only_the_asker_and_the_projects_admins_may_open_the_job_and_its_file(
        client, site, settings, django_capture_on_commit_callbacks):
    register_three(site)
    settings.EXPORT_INLINE_MAX_ROWS = 0
    login(client, site["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("web:export", args=["NEW", "customers", "xlsx"]))
    job = ExportJob.objects.get()
    for name in ("web:export-job", "web:export-job-progress", "web:export-job-file"):
        login(client, site["li"])
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
        login(client, site["admin"])
        assert client.get(reverse(name, args=[job.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("web:export-job-file", args=[job.pk])).status_code == 302  # to the login page


def test_a_running_job_polls_and_shows_rows_written_of_the_total_in_both_languages(client, site):
    job = export_jobs.create("units", site["manager"], project=site["project"], params="", ext="xlsx", total=1000,
                             title="Units", file_name="units-NEW.xlsx", language="en")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_written=250)
    for language, status in (("en", "being written"), ("zh-hans", "正在写入")):
        login(client, site["manager"], language)
        for name in ("web:export-job", "web:export-job-progress"):
            page = client.get(reverse(name, args=[job.pk])).content.decode()
            assert 'hx-trigger="every 1s"' in page and 'value="25"' in page
            assert 'data-count="written">250 / 1000<' in page and status in page
            assert_no_raw_codes(page)


def test_a_finished_job_offers_its_file_and_a_failed_one_says_why(client, site, settings):
    def broken(job):
        raise ValueError("the list is gone")

    failed = export_jobs.run(export_jobs.create("units", site["manager"], project=site["project"], params="",
                                                ext="xlsx", total=10, title="Units", file_name="u.xlsx",
                                                language="zh-hans").pk, broken)
    assert failed.status == ExportStatus.FAILED and "文件未能写出" in failed.error and "the list is gone" in failed.error
    assert not list((settings.VAR_DIR / "exports").glob("*"))  # no half-written file left behind
    login(client, site["manager"], "zh-hans")
    page = client.get(reverse("web:export-job", args=[failed.pk])).content.decode()
    assert "文件未能写出" in page and "hx-get" not in page and "data-download" not in page
    assert client.get(reverse("web:export-job-file", args=[failed.pk])).status_code == 404
    assert_no_raw_codes(page)

    from web.views.list_tables import job_table
    done = export_jobs.run(export_jobs.create("units", site["manager"], project=site["project"], params="",
                                              ext="xlsx", total=0, title="Units", file_name="u.xlsx",
                                              language="en").pk, job_table)
    page = client.get(reverse("web:export-job", args=[done.pk])).content.decode()
    assert "文件已准备好" in page and reverse("web:export-job-file", args=[done.pk]) in page
    book = load_workbook(io.BytesIO(b"".join(client.get(reverse("web:export-job-file",
                                                                args=[done.pk])).streaming_content)))
    assert [c.value for c in next(book.worksheets[0].iter_rows(min_row=2, max_row=2))][:2] == ["Building", "Unit code"]
    assert_no_raw_codes(page)


def test_the_job_page_reads_a_fixed_number_of_queries(client, site, django_assert_max_num_queries):
    job = export_jobs.create("units", site["manager"], project=site["project"], params="", ext="xlsx", total=5,
                             title="Units", file_name="u.xlsx", language="en")
    login(client, site["manager"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("web:export-job-progress", args=[job.pk])).status_code == 200


def assert_no_raw_codes(page: str) -> None:
    body = page.split("<main", 1)[-1]
    words = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S))
    for code in ("queued", "running", "failed", "None", "done", "units-template"):
        assert not re.search(rf"\b{code}\b", words), code

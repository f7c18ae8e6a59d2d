"""My exports 我的导出: the user's past export jobs in words, run again, and the expired file's 410 page."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from imports import export_jobs
from imports.models import ExportJob, ExportStatus
from kernel.models import Project
from tests.kernel.conftest import make_user


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the jobs' files go under VAR_DIR/exports
    return tmp_path


@pytest.fixture
def site(db):
    from engine import versions

    project = Project.objects.create(code="NEW", name="New garden", settings={"protection_days": 7})
    other = Project.objects.create(code="FAR", name="Far hills")
    versions.publish(project, "reservation")
    return {"project": project, "other": other,
            "wang": make_user("wang", project, "sales_consultant"),
            "li": make_user("li", project, "sales_consultant"),
            "manager": make_user("boss", project, "sales_manager"),
            "stranger": make_user("far", other, "sales_manager")}


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def job(user, kind="units", project=None, params="", flow="", status=ExportStatus.DONE, rows=10, ago=None,
        title="Units"):
    made = export_jobs.create(kind, user, project=project, params=params, ext="xlsx", total=rows, title=title,
                              file_name=f"{kind}.xlsx", flow=flow, language="en")
    if ago is not None:
        ExportJob.objects.filter(pk=made.pk).update(created_at=timezone.now() - ago)
    ExportJob.objects.filter(pk=made.pk).update(status=status, rows_written=rows if status == ExportStatus.DONE else 0)
    return ExportJob.objects.get(pk=made.pk)


def words_of(page: str) -> str:
    body = page.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body,
                                                                flags=re.S)))


def assert_no_raw_codes(page: str) -> None:
    words = words_of(page)
    for code in ("queued", "running", "failed", "expired", "None", "done", "customers", "records", "inbox",
                 "reservation", "held", "-contact", "sent_back", "consultant="):
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", words), code


def test_the_list_shows_my_jobs_newest_first_with_the_list_and_filters_in_words(client, site):
    p = site["project"]
    job(site["wang"], "units", p, ago=timedelta(days=3), status=ExportStatus.FAILED)
    job(site["wang"], "customers", p, params=f"q=张伟&consultant={site['li'].pk}&contact=7&overdue=1&order=-contact",
        ago=timedelta(days=2), title="Customers")
    job(site["wang"], "records", p, params="state=held&open=open&order=created", flow="reservation",
        ago=timedelta(days=1), title="Reservation")
    job(site["wang"], "inbox", p, params=f"view=mine&project={p.pk}&flow=reservation&state=reservation:held",
        title="Inbox")
    job(site["li"], "units", p, title="Li's units")
    job(site["stranger"], "units", site["other"], title="Far units")
    login(client, site["wang"], "zh-hans")
    response = client.get(reverse("web:my-exports"))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'data-export="(\d+)"', page)
    mine = list(ExportJob.objects.filter(created_by=site["wang"]).order_by("-created_at").values_list("pk", flat=True))
    assert rows == [str(pk) for pk in mine]  # mine only, newest first
    words = words_of(page)
    assert "我的导出" in words and "Far hills" not in words and "Li's units" not in words
    assert "待办 · New garden" in words
    assert "视图：我的；项目：New garden；流程：预留/小订；状态：保留中" in words
    assert "预留/小订的记录 · New garden" in words and "状态：保留中；仅进行中；排序：最早在前" in words
    assert "客户 · New garden" in words
    assert "搜索：张伟；置业顾问：Li；最近联系：7 天内；只看跟进已超期的；排序：最近联系在前" in words
    assert "房源 · New garden" in words and "整个列表，无筛选" in words
    assert "（北京时间）" in words and "已过期：文件已删除" in words and "失败" in words  # ready, but no file here
    assert_no_raw_codes(page)

    login(client, site["wang"], "en")
    words = words_of(client.get(reverse("web:my-exports")).content.decode())
    assert "the records of Reservation · New garden" in words
    assert "Search: 张伟; Consultant: Li; Last contact: Within 7 days; overdue follow-ups only" in words
    assert "(Asia/Shanghai)" in words and "expired: the file was deleted" in words


def test_a_ready_file_is_offered_an_expired_one_is_said_as_such(client, site):
    from web.views.list_tables import job_table

    ready = export_jobs.run(job(site["wang"], "units", site["project"], status=ExportStatus.QUEUED).pk, job_table)
    gone = job(site["wang"], "units", site["project"], status=ExportStatus.EXPIRED)
    ExportJob.objects.filter(pk=gone.pk).update(expired_at=timezone.now(), size=5120)
    login(client, site["wang"], "zh-hans")
    page = client.get(reverse("web:my-exports")).content.decode()
    ready_row = page.split(f'data-export="{ready.pk}"')[1].split("</tr>")[0]
    gone_row = page.split(f'data-export="{gone.pk}"')[1].split("</tr>")[0]
    assert reverse("web:export-job-file", args=[ready.pk]) in ready_row and ready.size and ready.size > 0
    assert reverse("web:export-job-file", args=[gone.pk]) not in gone_row
    assert "已过期：文件已删除" in words_of(gone_row) and "5.0 KB" in words_of(gone_row)
    assert "data-again" in gone_row and "data-again" in ready_row


def test_an_expired_files_link_answers_410_saying_so_and_offering_to_run_again(client, site):
    gone = job(site["wang"], "customers", site["project"], params="q=张伟", status=ExportStatus.EXPIRED,
               title="Customers")
    for language, said in (("zh-hans", "导出文件在写出后保留 7 天"), ("en", "export files are kept 7 days")):
        login(client, site["wang"], language)
        response = client.get(reverse("web:export-job-file", args=[gone.pk]))
        assert response.status_code == 410
        page = response.content.decode()
        assert said in page and reverse("web:export-again", args=[gone.pk]) in page
        assert_no_raw_codes(page)
    login(client, site["li"])  # someone else's: not even its existence
    assert client.get(reverse("web:export-job-file", args=[gone.pk])).status_code == 404


def test_a_ready_job_whose_file_is_gone_from_the_disk_is_expired_too(client, site):
    from web.views.list_tables import job_table

    ready = export_jobs.run(job(site["wang"], "units", site["project"], status=ExportStatus.QUEUED).pk, job_table)
    export_jobs.file_path(ready).unlink()
    login(client, site["wang"])
    assert client.get(reverse("web:export-job-file", args=[ready.pk])).status_code == 410
    page = client.get(reverse("web:export-job", args=[ready.pk])).content.decode()
    assert "data-expired" in page and "data-download" not in page


def test_run_again_makes_a_new_job_of_the_same_list_and_filters(client, site, django_capture_on_commit_callbacks):
    from kernel import customers as kernel_customers

    p = site["project"]
    kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name="张伟", phone="13900000001")
    kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name="李娜", phone="13812341234")
    old = job(site["wang"], "customers", p, params="q=%E5%BC%A0%E4%BC%9F&all=1", status=ExportStatus.EXPIRED,
              ago=timedelta(days=9), title="Customers")
    login(client, site["wang"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:export-again", args=[old.pk]))
    new = ExportJob.objects.latest("pk")
    assert new.pk != old.pk and response.status_code == 302
    assert response["Location"] == reverse("web:export-job", args=[new.pk])
    assert (new.kind, new.project_id, new.params, new.flow, new.ext, new.created_by_id) == (
        "customers", p.pk, old.params, "", "xlsx", site["wang"].pk)
    assert new.status == ExportStatus.DONE and new.rows_total == 1 and new.rows_written == 1  # the search kept
    assert ExportJob.objects.get(pk=old.pk).status == ExportStatus.EXPIRED  # the old one left as it was
    page = client.get(response["Location"]).content.decode()
    assert "Customers is being exported again with the same filters (1 rows)" in page


def test_run_again_of_a_records_list_keeps_its_flow(client, site, django_capture_on_commit_callbacks):
    old = job(site["wang"], "records", site["project"], params="open=open", flow="reservation", title="Reservation")
    login(client, site["wang"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:export-again", args=[old.pk]))
    new = ExportJob.objects.latest("pk")
    assert (new.kind, new.flow, new.params, new.status) == ("records", "reservation", "open=open", ExportStatus.DONE)
    assert new.file_name.startswith("reservation-NEW-")


def test_run_again_is_refused_in_words_to_who_may_no_longer_see_the_list(client, site):
    p = site["project"]
    units = job(site["wang"], "units", p)
    records = job(site["wang"], "records", p, flow="reservation", title="Reservation")
    payments = job(site["wang"], "payments", p, title="Payments")
    inbox = job(site["wang"], "inbox", p, params=f"project={p.pk}", title="Inbox")
    login(client, site["wang"])
    before = ExportJob.objects.count()
    response = client.post(reverse("web:export-again", args=[payments.pk]), follow=True)
    assert "The Payments of New garden are for finance, the sales manager and the project director" in (
        response.content.decode())
    Membership.objects.filter(user=site["wang"]).update(role="customer_service")  # no part in reservations
    response = client.post(reverse("web:export-again", args=[records.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:my-exports")
    assert "no longer let you see the records of Reservation" in response.content.decode()
    Membership.objects.filter(user=site["wang"]).delete()
    for old in (units, inbox):
        page = client.post(reverse("web:export-again", args=[old.pk]), follow=True).content.decode()
        assert "You are no longer a member of New garden" in page
    assert ExportJob.objects.count() == before  # nothing asked for


def test_other_peoples_jobs_cannot_be_run_again_or_seen(client, site):
    theirs = job(site["stranger"], "units", site["other"], title="Far units")
    colleague = job(site["li"], "units", site["project"])
    login(client, site["wang"])
    for other in (theirs, colleague):
        assert client.post(reverse("web:export-again", args=[other.pk])).status_code == 404
        assert client.get(reverse("web:export-job", args=[other.pk])).status_code == 404
    assert client.get(reverse("web:export-again", args=[colleague.pk])).status_code == 405  # POST only
    assert ExportJob.objects.count() == 2
    client.logout()
    assert client.get(reverse("web:my-exports")).status_code == 302  # to the login page


def test_the_list_is_paged_by_25(client, site):
    for n in range(30):
        job(site["wang"], "units", site["project"], ago=timedelta(minutes=n))
    login(client, site["wang"])
    first = client.get(reverse("web:my-exports")).content.decode()
    second = client.get(reverse("web:my-exports") + "?page=2").content.decode()
    assert len(re.findall(r'data-export="', first)) == 25 and len(re.findall(r'data-export="', second)) == 5
    assert "1 / 2" in first and "2 / 2" in second


def test_the_list_reads_a_fixed_number_of_queries_for_3_or_30_jobs(client, site):
    p = site["project"]

    def four_kinds():
        job(site["wang"], "customers", p, params=f"consultant={site['li'].pk}&stage=none", title="Customers")
        job(site["wang"], "records", p, params="state=held", flow="reservation", title="Reservation")
        job(site["wang"], "inbox", p, params=f"project={p.pk}&flow=reservation", title="Inbox")

    four_kinds()
    login(client, site["wang"])
    url = reverse("web:my-exports")
    client.get(url)  # the definitions' cache warm, as in a running server
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    for _n in range(9):
        four_kinds()
    with CaptureQueriesContext(connection) as thirty:
        page = client.get(url).content.decode()
    assert ExportJob.objects.count() == 30 and len(re.findall(r'data-export="', page)) == 25
    assert len(thirty) == len(three), [q["sql"] for q in thirty.captured_queries]


def test_the_imports_page_and_a_jobs_page_link_to_my_exports(client, site):
    one = job(site["wang"], "units", site["project"])
    Membership.objects.create(user=site["wang"], project=site["project"], role="project_admin")
    login(client, site["wang"])
    link = f'href="{reverse("web:my-exports")}"'
    assert link in client.get(reverse("web:imports", args=["NEW"])).content.decode()
    assert link in client.get(reverse("web:export-job", args=[one.pk])).content.decode()


def test_the_list_reads_as_a_person_would_in_both_languages(client, site):
    from .page_text import problems, read

    p = site["project"]
    job(site["wang"], "customers", p, params=f"q=张伟&consultant={site['li'].pk}&stage=none&source=gone",
        status=ExportStatus.EXPIRED, title="Customers")
    job(site["wang"], "records", p, params="state=held&order=-reference", flow="reservation", title="Reservation")
    job(site["wang"], "inbox", None, params="view=sent_back&order=-due", status=ExportStatus.RUNNING, rows=2000,
        title="Inbox")
    codes = {"held", "reservation", "sent_back", "customers", "records", "inbox", "expired", "queued", "running"}
    data = {"New garden", "张伟", "Li", "Wang"}
    for language in ("zh-hans", "en"):
        login(client, site["wang"], language)
        page = client.get(reverse("web:my-exports")).content.decode()
        found = problems(read("<main" + page.split("<main", 1)[1]), chinese=language == "zh-hans", codes=codes, data=data,
                         allowed_words={"UTC", "KB", "MB", "xlsx", "csv"})
        assert found == [], found
    assert "0 / 2,000" in page and "a source no longer offered" in page and "Sent back to me" in page

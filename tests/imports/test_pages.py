"""The imports pages: upload, a job's page and progress, refusals, templates, problems; list exports per role."""
from django.urls import reverse

from accounts.models import Membership
from imports.models import ImportJob, JobStatus
from kernel import customers as kernel_customers
from tests.imports.conftest import read_xlsx, xlsx
from tests.kernel.conftest import make_user

HEADERS = ["building", "code", "floor", "position", "built_area", "inner_area", "list_price"]


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def upload(client, content, name="units.xlsx", kind="units", dry_run=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"kind": kind, "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("web:imports", args=["NEW"]), data)


def test_an_upload_runs_as_a_job_and_its_page_shows_the_result(client, site, django_capture_on_commit_callbacks):
    login(client, site["admin"])
    content = xlsx(HEADERS, [["7", "7-1", 1, "01", 90, 80, 1000000], ["7", "7-2", 1, "02", 90, 80, 1000000]])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:import-job", args=["NEW", job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'data-count="created">2<' in page and "hx-get" not in page
    listing = client.get(reverse("web:imports", args=["NEW"])).content.decode()
    assert "units.xlsx" in listing and "2 created, 0 changed, 0 unchanged" in listing


def test_a_running_job_polls_and_survives_a_reload(client, site):
    login(client, site["admin"])
    from imports.jobs import create_job
    job = create_job("units", site["project"], site["admin"], b"", "units.xlsx", dry_run=False, language="en")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, rows_read=500, rows_validated=500,
                                               rows_total=2000)
    for name in ("web:import-job", "web:import-job-progress"):
        page = client.get(reverse(name, args=["NEW", job.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in page and 'value="25"' in page and 'data-count="read">500 / 2000<' in page


def test_a_file_with_problems_shows_them_and_hands_the_marked_file_back(client, site, django_capture_on_commit_callbacks):
    login(client, site["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx(HEADERS, [["7", "7-1", "x", "01", 90, 80, 1]]))
    job = ImportJob.objects.get()
    page = client.get(reverse("web:import-job", args=["NEW", job.pk])).content.decode()
    assert "The file has 1 problem; nothing was written." in page and "not a whole number" in page
    marked = client.get(reverse("web:import-problems", args=["NEW", job.pk]))
    assert marked["Content-Disposition"] == 'attachment; filename="units-problems.xlsx"'
    assert read_xlsx(marked.content)[1][-1] == "Floor: not a whole number"


def test_a_dry_run_can_then_be_imported_for_real(client, site, django_capture_on_commit_callbacks):
    login(client, site["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx(HEADERS, [["7", "7-1", 1, "01", 90, 80, 1]]), dry_run=True)
    checked = ImportJob.objects.get()
    assert checked.status == JobStatus.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:import-again", args=["NEW", checked.pk]))
    assert list(ImportJob.objects.order_by("pk").values_list("status", "created_count")) == [
        (JobStatus.CHECKED, 1), (JobStatus.DONE, 1)]


def test_a_consultant_is_refused_in_words_and_a_stranger_gets_404(client, site):
    login(client, site["wang"])
    response = client.get(reverse("web:imports", args=["NEW"]))
    assert response.status_code == 403
    assert "for its project admins and implementers" in response.content.decode()
    login(client, make_user("stranger", None))
    assert client.get(reverse("web:imports", args=["NEW"])).status_code == 404


def test_an_implementer_downloads_a_template_with_the_projects_consultants(client, site):
    implementer = make_user("impl", site["project"], "implementer")
    login(client, implementer)
    response = client.get(reverse("web:import-template", args=["NEW", "targets"]))
    assert response.status_code == 200
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["lists"]["A"]] == ["Li", "Wang"]
    assert book.worksheets[0]["B1"].value == "Consultant"


def test_the_customers_export_masks_phones_as_each_role_sees_them(client, site):
    p = site["project"]
    kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name="李娜", phone="13812341234")
    kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="张伟", phone="13900000001")
    url = reverse("web:export", args=["NEW", "customers", "xlsx"])

    def phones(user, query=""):
        login(client, user)
        return [(r[0], r[1]) for r in read_xlsx(client.get(url + query).content)[2:]]

    assert phones(site["manager"]) == [("张伟", "+8613900000001"), ("李娜", "+8613812341234")]
    assert phones(site["wang"]) == [("李娜", "+8613812341234")]  # their own, as the list shows them
    assert phones(site["wang"], "?all=1") == [("张伟", "139****0001"), ("李娜", "+8613812341234")]
    assert phones(site["finance"]) == []  # as on the list: nobody's registered to them
    assert phones(site["finance"], "?all=1") == [("张伟", "139****0001"), ("李娜", "138****1234")]


def test_the_payments_export_is_for_those_who_see_receivables(client, site):
    login(client, site["wang"])
    assert client.get(reverse("web:export", args=["NEW", "payments", "csv"])).status_code == 403
    login(client, site["finance"])
    response = client.get(reverse("web:export", args=["NEW", "payments", "csv"]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"


def test_the_imports_page_reads_a_fixed_number_of_queries(client, site, django_assert_max_num_queries):
    from imports.jobs import create_job
    login(client, site["admin"])
    for i in range(5):
        create_job("units", site["project"], site["admin"], b"x", f"u{i}.xlsx", dry_run=False, language="en")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("web:imports", args=["NEW"])).status_code == 200


def test_the_customers_export_keeps_the_lists_search(client, site):
    p = site["project"]
    kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name="李娜", phone="13812341234")
    kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="张伟", phone="13900000001")
    login(client, site["manager"])
    rows = read_xlsx(client.get(reverse("web:export", args=["NEW", "customers", "xlsx"]) + "?q=张伟").content)
    assert [r[0] for r in rows[2:]] == ["张伟"]


def test_the_list_pages_link_to_their_exports_with_their_filters(client, site):
    from engine import versions
    versions.publish(site["project"], "reservation")
    Membership.objects.create(user=site["manager"], project=site["project"], role="project_director")
    login(client, site["manager"])
    page = client.get(reverse("web:record-list-flow", args=["NEW", "reservation"]) + "?q=RSV&state=held").content.decode()
    assert reverse("web:record-list-export", args=["NEW", "reservation", "xlsx"]) + "?q=RSV&amp;state=held" in page
    inbox = client.get(reverse("web:inbox") + "?view=mine&q=x").content.decode()
    assert reverse("web:inbox-export", args=["xlsx"]) + "?view=mine&amp;q=x" in inbox
    customers = client.get(reverse("web:customer-list", args=["NEW"]) + "?q=abc").content.decode()
    assert reverse("web:export", args=["NEW", "customers", "xlsx"]) + "?q=abc" in customers


def test_the_records_and_inbox_exports_follow_the_filters(client, site):
    from engine import versions
    from engine.runtime import records
    from tests.kernel.conftest import make_units
    versions.publish(site["project"], "reservation")
    unit = make_units(site["project"], 1)[0]
    customer = kernel_customers.register(project_id=site["project"].pk, consultant_id=site["wang"].pk, name="李娜",
                                         phone="13812341234").customer
    record = records.start_record(site["wang"], site["project"], "reservation",
                                  {"customer_id": customer.pk, "unit_id": unit.pk})
    login(client, site["wang"])
    rows = read_xlsx(client.get(reverse("web:record-list-export", args=["NEW", "reservation", "xlsx"])).content)
    assert rows[1] == ["Reference", "State", "Customer", "Unit", "Amount", "Started", "Last change"]
    assert [r[0] for r in rows[2:]] == [record.reference]
    none = read_xlsx(client.get(reverse("web:record-list-export", args=["NEW", "reservation", "xlsx"])
                                + "?q=nobody").content)
    assert none[2:] == []
    inbox = client.get(reverse("web:inbox-export", args=["csv"]) + "?view=all").content.decode("utf-8-sig")
    lines = inbox.splitlines()
    assert lines[1] == "Reference,Task,Flow,State,Customer,Unit,Due"
    assert all(line.startswith(record.reference) for line in lines[2:]) and len(lines) > 2


def test_the_customers_export_is_the_lists_rows_in_its_order_with_source_and_last_contact(client, site):
    """The export reads the list's own query: the source and last-contact filters and the order carry over."""
    from datetime import timedelta

    from django.utils import timezone

    from kernel.models import CustomerRegistration, Visit, VisitKind

    p = site["project"]
    p.settings = {**p.settings, "opportunity_stages": [{"code": "intent", "percent": 10, "zh": "意向", "en": "Intent"}]}
    p.save()
    now = timezone.now()
    made = {}
    for name, phone, source, days in (("李娜", "13812341234", "walk_in", 2), ("张伟", "13900000001", "walk_in", 40),
                                      ("王芳", "13900000002", "", 3), ("赵强", "13900000003", "walk_in", 5)):
        made[name] = kernel_customers.register(project_id=p.pk, consultant_id=site["wang"].pk, name=name, phone=phone)
        CustomerRegistration.objects.filter(pk=made[name].pk).update(last_contact_at=now - timedelta(days=days),
                                                                     stage="intent")
        if source:
            Visit.objects.create(project=p, customer_id=made[name].customer_id, kind=VisitKind.VISIT,
                                 source_type=source, received_by=site["wang"], at=now, token=f"t-{phone}")
    login(client, site["manager"])
    query = "?source=walk_in&contact=7&order=-contact"
    listed = client.get(reverse("web:customer-list", args=["NEW"]) + query).content.decode()
    rows = read_xlsx(client.get(reverse("web:export", args=["NEW", "customers", "xlsx"]) + query).content)
    assert [r[0] for r in rows[2:]] == ["李娜", "赵强"]  # walk-ins contacted within 7 days, newest contact first
    assert listed.index("李娜") < listed.index("赵强") and "王芳" not in listed and "张伟" not in listed
    assert {r[5] for r in rows[2:]} == {"Intent 10%"}  # the stage in words, never its code


def test_the_imports_page_links_only_the_exports_its_user_may_take(client, site):
    login(client, site["admin"])
    page = client.get(reverse("web:imports", args=["NEW"])).content.decode()
    assert 'data-download="units"' in page and 'data-download="customers"' in page
    assert 'data-download="payments"' not in page and 'data-download="commissions"' not in page
    Membership.objects.create(user=site["admin"], project=site["project"], role="finance")
    page = client.get(reverse("web:imports", args=["NEW"])).content.decode()
    for kind in ("payments", "commissions", "points"):
        assert f'data-download="{kind}"' in page
        assert reverse("web:export", args=["NEW", kind, "xlsx"]) in page

"""customers: dedup by phone against the base, protection for the named consultant, source type and campaign."""
from datetime import date, timedelta

from django.utils import timezone

from imports.runner import run
from kernel import customers as kernel_customers
from kernel.models import Campaign, Customer, CustomerRegistration, Visit
from tests.imports.conftest import xlsx
from tests.kernel.conftest import make_user

HEADERS = ["Name", "Phone", "Consultant", "Source type", "Campaign", "First visit on", "Gender", "ID number", "Email",
           "Address", "Note"]


def registrations(project):
    return sorted(CustomerRegistration.objects.filter(project=project)
                  .values_list("customer__name", "customer__phone", "consultant__username"))


def campaign(project):
    return Campaign.objects.create(project=project, name="开盘活动", source_type="short_video",
                                   starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))


def test_a_good_file_registers_new_customers_with_their_first_visit(site):
    p = site["project"]
    campaign(p)
    rows = [["李娜", "138 1234 1234", "wang", "", "开盘活动", "2026-06-02", "female", "", "li@example.com", "", ""],
            ["张伟", "+86 139-0000-0001", "Li", "Walk-in", "", "", "", "", "", "", "VIP"]]
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    assert (outcome.status, outcome.created, outcome.changed, outcome.problems) == ("done", 2, 0, [])
    assert registrations(p) == [("张伟", "+8613900000001", "li"), ("李娜", "+8613812341234", "wang")]
    li_na = Customer.objects.get(phone="+8613812341234")
    assert li_na.extra == {"gender": "female", "email": "li@example.com"}
    reg = CustomerRegistration.objects.get(customer=li_na)
    assert reg.protected_until - reg.registered_at == timedelta(days=7)
    assert sorted(Visit.objects.values_list("customer__name", "source_type", "campaign__name", "received_by__username")) \
        == [("张伟", "walk_in", None, "li"), ("李娜", "short_video", "开盘活动", "wang")]
    assert Visit.objects.get(customer=li_na).at.astimezone(p.zone).date() == date(2026, 6, 2)


def test_a_second_load_changes_nothing(site):
    p = site["project"]
    rows = [["李娜", "13812341234", "wang", "walk_in", "", "", "", "", "", "", ""]]
    run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    before = (registrations(p), Visit.objects.count(), list(CustomerRegistration.objects.values_list(
        "registered_at", "protected_until")))
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    assert (outcome.created, outcome.changed, outcome.unchanged) == (0, 0, 1)
    assert (registrations(p), Visit.objects.count(), list(CustomerRegistration.objects.values_list(
        "registered_at", "protected_until"))) == before


def test_a_phone_in_the_base_is_the_same_customer_and_their_details_stay(site):
    p = site["project"]
    other = make_user("zhao", None)
    from kernel.models import Project
    elsewhere = Project.objects.create(code="OLD", name="Old garden")
    kernel_customers.register(project_id=elsewhere.pk, consultant_id=other.pk, name="李娜", phone="13812341234")
    rows = [["Li Na", "13812341234", "wang", "", "", "", "", "", "", "", ""]]
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    assert (outcome.created, outcome.changed) == (0, 1)
    assert Customer.objects.count() == 1 and Customer.objects.get().name == "李娜"
    assert registrations(p) == [("李娜", "+8613812341234", "wang")]


def test_a_customer_protected_for_another_consultant_is_refused(site):
    p = site["project"]
    kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="李娜", phone="13812341234")
    rows = [["李娜", "13812341234", "wang", "", "", "", "", "", "", "", ""]]
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    assert [(p_.row, p_.column) for p_ in outcome.problems] == [(2, "Consultant")]
    assert "protected for Li until" in outcome.problems[0].message
    assert registrations(p) == [("李娜", "+8613812341234", "li")]


def test_an_expired_protection_is_handed_over(site):
    p = site["project"]
    reg = kernel_customers.register(project_id=p.pk, consultant_id=site["li"].pk, name="李娜", phone="13812341234",
                                    now=timezone.now() - timedelta(days=30))
    rows = [["李娜", "13812341234", "wang", "", "", "", "", "", "", "", ""]]
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    assert (outcome.problems, outcome.changed) == ([], 1)
    reg.refresh_from_db()
    assert reg.consultant == site["wang"] and reg.protected_until > timezone.now()


def test_a_mistake_in_every_column_is_reported_and_nothing_written(site):
    p = site["project"]
    campaign(p)
    rows = [["", "12345", "nobody", "tv", "no such campaign", "June", "robot", "110101199001011234", "x@", "a" * 301,
             "n" * 2001],
            ["王五", "13812341234", "wang", "walk_in", "开盘活动", "", "", "", "", "", ""],
            ["王五", "138-1234-1234", "wang", "", "", "", "", "", "", "", ""]]
    outcome = run("customers", p, site["admin"], xlsx(HEADERS, rows), "c.xlsx", language="en")
    found = {(p_.row, p_.column) for p_ in outcome.problems}
    assert found == {(2, "Name"), (2, "Phone"), (2, "Consultant"), (2, "Source type"), (2, "Campaign"),
                     (2, "First visit on"), (2, "Gender"), (2, "ID number"), (2, "Email"), (2, "Address"),
                     (2, "Note"), (3, "Campaign"), (4, "Phone")}
    messages = {(p_.row, p_.column): p_.message for p_ in outcome.problems}
    assert messages[(3, "Campaign")] == "belongs to another source type than the row's"
    assert messages[(4, "Phone")] == "appears twice in the file"
    assert Customer.objects.count() == 0 and Visit.objects.count() == 0


ID_HEADERS = ["Name", "Phone", "Consultant", "ID type", "ID number"]


def test_the_id_type_column_picks_from_the_schemas_types_and_checks_a_resident_id(site):
    p = site["project"]
    rows = [["王芳", "13812340001", "wang", "护照", "E12345678"],  # by its Chinese title
            ["赵强", "13812340002", "wang", "", "11010519491231002x"],  # empty: a resident ID, its final x made X
            ["钱多", "13812340003", "wang", "Mainland travel permit for Hong Kong and Macau residents", "H1234567"]]
    outcome = run("customers", p, site["admin"], xlsx(ID_HEADERS, rows), "c.xlsx", language="en")
    assert (outcome.status, outcome.problems) == ("done", [])
    assert {c.name: c.extra for c in Customer.objects.all()} == {
        "王芳": {"id_type": "passport", "id_number": "E12345678"},
        "赵强": {"id_number": "11010519491231002X"},
        "钱多": {"id_type": "hk_macau_permit", "id_number": "H1234567"}}


def test_an_unknown_id_type_and_a_bad_resident_id_are_refused(site):
    rows = [["王芳", "13812340001", "wang", "驾照", "E12345678"],
            ["赵强", "13812340002", "wang", "居民身份证", "110105194912310021"]]
    outcome = run("customers", site["project"], site["admin"], xlsx(ID_HEADERS, rows), "c.xlsx", language="zh-hans")
    found = {(p.row, p.column): p.message for p in outcome.problems}
    assert set(found) == {(2, "证件类型"), (3, "证件号码")}
    assert found[(2, "证件类型")] == "不是以下之一：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、其他证件"
    assert Customer.objects.count() == 0


def test_the_customers_template_offers_the_id_types_as_a_list(site):
    import io

    from openpyxl import load_workbook

    from imports.template_files import template_workbook

    book = load_workbook(io.BytesIO(template_workbook("customers", site["project"], "zh-hans")))
    headers = [c.value for c in book.worksheets[0][1]]
    column = headers.index("证件类型") + 1
    lists = book["lists"]
    offered = {tuple(c.value for c in col if c.value) for col in lists.iter_cols()}
    assert ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "其他证件") in offered
    letter = book.worksheets[0].cell(row=1, column=column).column_letter
    assert any(f"{letter}2:" in str(v.sqref) for v in book.worksheets[0].data_validations.dataValidation)

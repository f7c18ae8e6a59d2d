"""The commission and points ledgers taken out to Excel: every entry in words (beneficiaries by name), for the
people who see the receivables."""
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Membership, User
from extensions import registry
from tests.imports.conftest import read_xlsx
from tests.plugins.conftest import commission_rules, make_ctx, make_customer, points_rules, project  # noqa: F401

accrue = registry.implementations()["commission.accrue"]
award = registry.implementations()["points.award"]


def _people(project):
    consultant = User.objects.create_user("li.na", password="x", display_name="李娜")
    finance = User.objects.create_user("fin", password="x")
    Membership.objects.create(user=finance, project=project, role="finance")
    Membership.objects.create(user=consultant, project=project, role="sales_consultant")
    return consultant, finance


def test_the_commission_ledger_names_every_beneficiary(client, project, commission_rules):  # noqa: F811
    consultant, finance = _people(project)
    referrer = make_customer("张伟", "+8613900000001")
    ctx = make_ctx(project)
    accrue(ctx, contract_amount="2000000.00", consultant=consultant.pk, channel="agency_a", referrer=referrer.pk)
    client.force_login(finance)
    client.cookies["django_language"] = "en"
    rows = read_xlsx(client.get(reverse("web:export", args=[project.code, "commissions", "xlsx"])).content)
    assert rows[0][0].startswith("Commission ledger: PLG Plugin garden, exported ") and "(" in rows[0][0]
    assert rows[1] == ["Deal", "Beneficiary kind", "Beneficiary", "Base (yuan)", "Rate", "Amount (yuan)", "Status",
                       "Accrued at", "Payable at", "Paid at", "Note"]
    assert sorted((r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows[2:]) == sorted([
        (ctx.reference, "agency channel", "甲代理公司", "1.5%", 30000, "accrued"),
        (ctx.reference, "referrer", "张伟", None, 5000, "accrued"),
        (ctx.reference, "consultant", "李娜", "0.3%", 6000, "accrued")])


def test_the_points_ledger_and_who_may_take_the_ledgers_out(client, project, points_rules, tmp_path):  # noqa: F811
    consultant, finance = _people(project)
    member = make_customer()
    award(make_ctx(project), rule="purchase", customer=member.pk, amount="1500000.00")
    client.force_login(finance)
    client.cookies["django_language"] = "en"
    rows = read_xlsx(client.get(reverse("web:export", args=[project.code, "points", "xlsx"])).content)
    assert rows[1] == ["At", "Member", "Kind", "Points", "Balance after", "Reference", "Note"]
    assert [(r[1], r[2], r[3], r[4]) for r in rows[2:]] == [("王芳", "earned", 15000, 15000)]
    client.force_login(consultant)
    for kind in ("points", "commissions"):
        refused = client.get(reverse("web:export", args=[project.code, kind, "xlsx"]))
        assert refused.status_code == 403 and "for finance, the sales manager and the project director" in \
            refused.content.decode()
    out = tmp_path / "points.csv"
    call_command("export", "points", str(out), "--project", project.code, "--lang", "en")
    assert "王芳,earned,15000,15000" in out.read_text(encoding="utf-8-sig")

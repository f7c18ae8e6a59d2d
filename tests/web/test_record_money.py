"""The record page's 应收/实收/欠款 section: lines with due dates, ¥ amounts, overdue marked, totals, the
receipts by kind title; a fixed number of queries whatever the number of lines and receipts."""
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel import payments, receivables
from kernel.actions import ActionContext
from kernel.models import Payment
from tests.flows.conftest import customers, world  # noqa: F401  (the fixtures)
from tests.flows.steps import child, contract_for, fire, review_contract

TERMS = {"contract_no": "HT-9", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"}


def _page(client, url):
    with CaptureQueriesContext(connection) as seen:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    return len(seen.captured_queries), page.content.decode()


def test_the_deals_receivables_on_its_record_pages_in_a_fixed_number_of_queries(client, world, customers):
    p, u, units = world
    con = review_contract(u, contract_for(p, u, units[0], customers["buyer"], deposit="100000.00"), TERMS)
    # installments: 3 058 300.00 − 100 000.00 − 958 300.00 = 2 000 000.00 due three months after signing
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2020-01-10", "down_payment": "958300.00"},
               to="signed")
    client.force_login(u["finance"])
    url = f"/records/{con.pk}/"
    client.get(url)  # warm the caches and the session
    few, page = _page(client, url)

    assert "应收/实收/欠款" in page
    for shown in ("定金", "首付", "分期款", "¥100,000.00", "¥958,300.00", "¥2,000,000.00", "2020年4月10日", "逾期",
                  "¥3,058,300.00"):
        assert shown in page, shown
    assert "installment" not in page and "None" not in page

    # more lines and receipts: the same queries
    ctx = ActionContext(project_id=p.pk, record_id=con.pk, reference=con.reference, flow="contract",
                        user_id=u["finance"].pk, now=Payment.objects.first().received_at + timedelta(days=1), data={},
                        lineage=(con.pk, con.parent_id))
    receivables.due(ctx, kind="area_difference", amount="40000.00")
    for amount in ("500000.00", "600000.00", "40000.00"):
        payments.record(ctx, "installment" if amount != "40000.00" else "area_difference", amount)
    many, page = _page(client, url)
    assert many == few
    assert "面积补差款" in page and "¥900,000.00" in page  # the installment's balance

    # the subscription's page shows the same deal
    assert "¥900,000.00" in _page(client, f"/records/{con.parent_id}/")[1]
    assert child(con.parent, "contract").pk == con.pk


def test_a_lease_to_buy_subscription_shows_its_own_schedule_and_the_lease_its_rent(client, world, customers):
    from tests.flows.test_lease_rent import signed

    p, u, units = world
    tenant = customers["c7"]
    lease = signed(p, u, units[4], tenant)
    lease = fire(u["leasing_agent"], lease, "record_rent", {"rent_received_amount": "12077.42"}, to="active")
    lease = fire(u["sales_manager"], lease, "convert_to_purchase", to="converted")
    sub = child(lease, "subscription")
    client.force_login(u["finance"])
    # before the subscription is scheduled its page shows no money at all, not the lease's rent
    assert _money(_page(client, f"/records/{sub.pk}/")[1]) == ""

    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[4].pk, "payment_plan": "full"}, to="draft")
    sub = fire(u["sales_consultant"], sub, "submit", {"buyers": [{"customer_id": tenant.pk}], "deposit": "30000.00"},
               to="awaiting_contract")

    money = _money(_page(client, f"/records/{sub.pk}/")[1])
    assert "定金" in money and "¥30,000.00" in money and "租金" not in money and "押金" not in money
    money = _money(_page(client, f"/records/{lease.pk}/")[1])
    assert "租金" in money and "押金" in money and "¥15,600.00" in money and "定金" not in money


def _money(page: str) -> str:
    """The page's receivables section (empty when it has none)."""
    start = page.find('<section class="card receivables"')
    return "" if start < 0 else page[start:page.index("</section>", start)]

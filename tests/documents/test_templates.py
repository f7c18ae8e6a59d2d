"""A project's own document templates: checked on save against the flow's fields (unknown names with their line),
a revision kept per save, used instead of the shipped one; the shipped ones pass the same check."""
import pytest

from documents import issuing
from documents.catalogue import SHIPPED
from documents.checking import check
from documents.models import DocumentTemplate, DocumentTemplateRevision
from documents.rendering import TEMPLATES
from tests.documents.test_documents import NAME, deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)

BODY = """{% extends "documents/base.html" %}
{% block content %}
<p>{{ customer.name }} 认购 {{ unit.code }}</p>
<p>成交价 {{ data.deal_price|yuan }}（{{ data.deal_prise|capitals }}）</p>
{% for b in buyers %}{{ b.name }}{% endfor %}
{% if data.payment_plann == "full" %}一次性{% endif %}
{{ customer.adress }}
{% endblock %}
"""


def test_an_unknown_field_is_refused_on_save_with_its_line(world):
    p, u, units = world
    with pytest.raises(issuing.DocumentError) as refused:
        issuing.save_template(p, "subscription_form", flow="subscription", title_zh="认购书", title_en="Form",
                              body=BODY, user=u["sales_manager"])
    assert refused.value.problems == [
        "第 4 行：没有 data.deal_prise 这个字段，是不是 data.deal_price？",
        "第 6 行：没有 data.payment_plann 这个字段，是不是 data.payment_plan？",
        "第 7 行：没有 customer.adress 这个字段",
    ]
    assert not DocumentTemplate.objects.exists()  # nothing half-written
    en = check(BODY, issuing.schema_of(p, "subscription"), "en")
    assert en[0] == "line 4: there is no field data.deal_prise; did you mean data.deal_price?"


def test_a_template_that_does_not_compile_is_refused_with_its_line(world):
    p, u, units = world
    problems = check("<p>\n{% if data.deposit %}\n", issuing.schema_of(p, "subscription"))
    assert len(problems) == 1 and "模板写法有误" in problems[0]


def test_every_shipped_template_passes_the_check(world):
    p, u, units = world
    for s in SHIPPED.values():
        body = (TEMPLATES / "documents" / f"{s.name}.html").read_text()
        for flow in s.flows or (None,):
            assert check(body, issuing.schema_of(p, flow) if flow else None) == [], (s.name, flow)


def test_the_projects_own_template_is_used_with_its_revisions(deal):
    p, u, records = deal
    good = BODY.replace("deal_prise", "deal_price").replace("payment_plann", "payment_plan").replace(
        "{{ customer.adress }}", "本项目专用")
    issuing.save_template(p, "subscription_form", flow="subscription", title_zh="认购协议书", title_en="Agreement",
                          body=good, user=u["sales_manager"])
    t = issuing.save_template(p, "subscription_form", flow="subscription", title_zh="认购协议书",
                              title_en="Agreement", body=good.replace("本项目专用", "本项目专用第二版"))
    assert t.revision == 2 and DocumentTemplateRevision.objects.filter(template=t).count() == 2
    issued = issuing.issue(records["subscription"], "subscription_form", user=u["sales_manager"])
    assert issued.revision == 2 and issued.title == "认购协议书"
    assert "本项目专用第二版" in issued.html and NAME in issued.html and "贰佰万元整" in issued.html
    # another project still prints the shipped one
    assert [o.revision for o in issuing.offers(p.pk + 1000, "subscription")] == [0, 0, 0]


def test_a_template_reaches_nothing_but_the_context(deal):
    p, u, records = deal
    body = '{{ record.save }}|{{ unit.project }}|{{ customer.delete }}|{{ payments.list.0.amount.as_tuple }}|'
    # the checker refuses the unknown keys before any rendering
    assert len(check(body, issuing.schema_of(p, "subscription"))) == 3
    chosen = issuing.Offer("x", "x", "x", 1, body, False)
    assert issuing.render(records["subscription"], chosen) == "||||"

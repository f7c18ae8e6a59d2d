"""Codes the project's rules define (the discounts one may ask for, agency channels): chosen and shown by title."""
from engine.runtime import records, transitions
from engine.versions import definition_for
from extensions.rulesets import code_lists
from forms import build_form_class
from tests.flows.conftest import world  # noqa: F401  (the S1 project with its pricing and commission rules)
from web.views.lookups import PageRefs


def test_the_rules_name_their_codes_with_titles_in_one_query(world, django_assert_num_queries):  # noqa: F811
    p, _users, _units = world

    with django_assert_num_queries(1):
        lists = code_lists(p.pk, ["pricing.discounts", "commission.channels", "points.nothing"])

    # only the discounts a consultant may ask for (on request), not those a payment plan applies by itself
    assert lists == {"pricing.discounts": [("referral", "老带新 99 折")],
                     "commission.channels": [("agency_a", "甲代理公司")], "points.nothing": []}


def test_the_quote_form_offers_the_discounts_by_title_and_the_record_page_shows_the_title(world, client):  # noqa: F811
    # given a subscription quoted with the referral discount
    p, users, units = world
    consultant = users["sales_consultant"]
    customer = _customer(p, consultant)
    sub = records.start_record(consultant, p, "subscription", {"customer_id": customer.pk, "unit_id": units[0].pk})
    transitions.fire(consultant, sub.pk, "quote", {"unit_id": units[0].pk, "payment_plan": "combined",
                                                    "discount_codes": ["referral"]})
    definition = definition_for(sub)

    # when the quote's form is built for the project
    form = build_form_class(definition.entity.schema, definition.transition("quote").form,
                            refs=PageRefs(consultant, p), lang="zh-hans")()

    # then the discounts are a choice by title, and the page shows the title, never the code
    assert list(form.fields["discount_codes"].choices) == [("referral", "老带新 99 折")]
    client.force_login(consultant)
    page = client.get(f"/records/{sub.pk}/").content.decode()
    assert "老带新 99 折" in page and ">referral<" not in page


def _customer(p, consultant):
    from kernel import customers

    # register() answers the registration: the customer is its .customer (their pks agree only by chance)
    return customers.register(project_id=p.pk, consultant_id=consultant.pk, name="李娜", phone="13900001111").customer


def test_the_buyers_editor_starts_with_the_customer_the_record_names(world, client):  # noqa: F811
    # given a quoted subscription for 李娜, no buyers entered yet
    p, users, units = world
    consultant = users["sales_consultant"]
    customer = _customer(p, consultant)
    sub = records.start_record(consultant, p, "subscription", {"customer_id": customer.pk, "unit_id": units[0].pk})
    transitions.fire(consultant, sub.pk, "quote", {"unit_id": units[0].pk, "payment_plan": "full"})

    # when the consultant opens it
    client.force_login(consultant)
    page = client.get(f"/records/{sub.pk}/").content.decode()

    # then the submit's buyers editor has 李娜 as its first (main) buyer: the main buyer is not asked twice
    buyers = page.split('data-field="submit-buyers"', 1)[1].split('data-field="submit-deposit"', 1)[0]
    assert "李娜" in buyers

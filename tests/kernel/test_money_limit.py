"""One money limit (issue 16): what a money column holds, ¥999,999,999,999.99, is what the kernel, the
entity schemas, the plugin rules and the forms accept; one fen more is refused where it is typed, naming
the field, so no ledger row is ever written that the pages cannot read back.

Runs on SQLite and, with DATABASE_URL, on PostgreSQL (where a wider amount failed the insert).
"""
import re
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from definitions.entity import format_checker
from definitions.money import MONEY_LIMIT, MONEY_MAX_DIGITS
from engine.models import Record
from engine.runtime import InvalidForm, records
from extensions.registry import validate_rules
from kernel import customers as kernel_customers
from kernel import payments
from kernel.errors import AmountTooLarge, InvalidAmount
from kernel.models import Payment
from kernel.money import to_money
from tests.flows.conftest import PRICING, world  # noqa: F401  (the fixture)
from tests.flows.steps import refused

from .conftest import make_ctx

LIMIT = "999999999999.99"
ONE_FEN_OVER = "1000000000000.00"


def test_to_money_takes_the_largest_amount_a_column_holds():
    assert MONEY_LIMIT == D(LIMIT)
    assert to_money("999,999,999,999.99", "deposit") == D(LIMIT)


def test_one_fen_over_the_limit_is_refused_naming_the_field_and_the_limit_in_both_languages():
    with pytest.raises(AmountTooLarge) as refusal:
        to_money(ONE_FEN_OVER, "deposit")

    assert isinstance(refusal.value, InvalidAmount)  # whoever catches a bad amount catches this one too
    assert refusal.value.params["name"] == "deposit"
    assert refusal.value.message_en == (
        "deposit must be at most 999,999,999,999.99, the largest amount kept; got 1000000000000.00")
    assert refusal.value.message_zh == "deposit 不能超过可记录的最大金额 999,999,999,999.99；实际为 1000000000000.00"


def test_a_number_too_long_to_round_to_the_fen_is_refused_as_too_large():
    with pytest.raises(AmountTooLarge):
        to_money("1" * 40)


def test_every_money_column_holds_exactly_the_limit():
    money_columns = [
        (model._meta.label, field.name) for model in apps.get_models() for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField) and field.decimal_places == 2 and "area" not in field.name
    ]
    wrong = [
        (model._meta.label, field.name, field.max_digits) for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField) and field.decimal_places == 2 and "area" not in field.name
        and field.max_digits != MONEY_MAX_DIGITS
    ]

    assert ("kernel.Payment", "amount") in money_columns and ("kernel.Unit", "list_price") in money_columns
    assert wrong == []


def test_a_payment_over_the_limit_is_refused_with_the_field_named_and_nothing_written(project):
    ctx = make_ctx(project)

    with pytest.raises(AmountTooLarge) as refusal:
        payments.record(ctx, "deposit", ONE_FEN_OVER)

    assert refusal.value.params["name"] == "amount"
    assert "at most 999,999,999,999.99" in refusal.value.message_en
    assert Payment.objects.count() == 0


def test_the_money_format_of_the_entity_schemas_holds_the_same_limit():
    assert [format_checker.conforms(v, "money") for v in (LIMIT, "-" + LIMIT, ONE_FEN_OVER, "1" * 15, "12.345")] == [
        True, True, False, False, False]


def test_plugin_rules_with_a_price_over_the_limit_are_refused_at_its_path():
    problems = validate_rules("pricing", {**PRICING, "base_price": ONE_FEN_OVER})

    assert [p.render() for p in problems] == [
        "base_price: '1000000000000.00' is more than the largest amount kept, 999,999,999,999.99"]
    assert [p.render("zh") for p in problems] == ["base_price: '1000000000000.00' 超过可记录的最大金额 999,999,999,999.99"]


@pytest.fixture
def draft(world):  # noqa: F811
    p, u, units = world
    buyer = kernel_customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name="李娜",
                                      phone="13812340002").customer
    record = records.start_record(u["sales_consultant"], p, "reservation",
                                  {"unit_id": units[0].pk, "customer_id": buyer.pk})
    return p, u, units, record, buyer


def test_a_record_with_a_deposit_over_the_limit_is_refused_at_the_field_and_nothing_is_written(draft):
    p, u, units, record, _buyer = draft

    error = refused(InvalidForm, u["sales_consultant"], record, "hold",
                    {"unit_id": units[0].pk, "deposit": ONE_FEN_OVER})

    assert error.field_errors("en") == {
        "deposit": ["'1000000000000.00' is more than the largest amount kept, 999,999,999,999.99"]}
    assert error.field_errors("zh") == {"deposit": ["'1000000000000.00' 超过可记录的最大金额 999,999,999,999.99"]}


def _hold(client, u, units, record, deposit: str):
    client.force_login(u["sales_consultant"])
    return client.post(reverse("web:fire", args=[record.pk, "hold"]),
                       {"hold-unit_id": units[0].code, "hold-deposit": deposit, "revision": record.revision,
                        "idempotency_key": f"hold-{deposit}"}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _field_errors(page: str, field: str) -> list[str]:
    found = re.search(rf'<ul class="errorlist field-errors"[^>]*data-errors-for="{field}">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def test_a_deposit_over_the_limit_typed_on_the_page_is_an_error_at_its_field(client, draft):
    p, u, units, record, _buyer = draft

    response = _hold(client, u, units, record, "1,000,000,000,000.00")

    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "hold-deposit") == ["金额应小于 ¥1,000,000,000,000.00。"]
    assert Payment.objects.count() == 0 and Record.objects.get(pk=record.pk).state == record.state


def test_a_deposit_at_the_limit_is_kept_and_the_pages_that_show_it_still_answer(client, draft):
    p, u, units, record, buyer = draft

    response = _hold(client, u, units, record, "999,999,999,999.99")
    # and a second receipt at the limit: the deal's totals are wider than a column, the pages still add them up
    payments.record(make_ctx(p, record_id=record.pk, reference=record.reference), "reservation_deposit", LIMIT)

    assert response.status_code == 302
    assert list(Payment.objects.values_list("amount", flat=True)) == [D(LIMIT), D(LIMIT)]
    client.force_login(u["sales_manager"])
    for url in (f"/records/{record.pk}/", f"/customers/{buyer.pk}/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200, url
        assert "¥999,999,999,999.99" in page.content.decode(), url

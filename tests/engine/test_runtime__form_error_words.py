"""A form's values against the entity schema: each error in English and Chinese words, the schema's titles used."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator

from definitions.entity import format_checker, load_schema_file
from engine.runtime.forms import error_pair


def errors_of(data: dict) -> list[tuple[str, str]]:
    schema, problems = load_schema_file(Path(settings.SCHEMAS_DIR) / "subscription.json")
    assert problems == []
    validator = Draft202012Validator(schema, format_checker=format_checker)
    return [error_pair(e) for e in validator.iter_errors(data) if e.validator != "required"]


def test_a_payment_plan_not_on_the_list_names_the_plans_by_their_titles():
    assert errors_of({"unit_id": 1, "customer_id": 2, "payment_plan": "cash"}) == [(
        "'cash' is not one of the choices: Full payment (full), Installments (installments), Commercial mortgage "
        "(commercial_mortgage), Provident-fund loan (provident_fund), Combined loan (combined)",
        "'cash' 不是可选的值，可选：一次性付款 (full), 分期付款 (installments), 商业贷款 (commercial_mortgage), "
        "公积金贷款 (provident_fund), 组合贷款 (combined)")]


def test_missing_fields_are_named_by_their_titles():
    schema, _problems = load_schema_file(Path(settings.SCHEMAS_DIR) / "subscription.json")
    error = next(e for e in Draft202012Validator(schema).iter_errors({"customer_id": 2}) if e.validator == "required")

    en, zh = error_pair(error)

    assert (en, zh) == (
        "Unit (unit_id), Buyers (buyers), Payment plan (payment_plan), List price (list_price), Deal price "
        "(deal_price), Deposit (deposit) is required",
        "房源 (unit_id), 购房人 (buyers), 付款方式 (payment_plan), 表价 (list_price), 成交价 (deal_price), "
        "定金 (deposit) 为必填")


def test_an_amount_with_three_decimals_is_said_as_money_in_both_languages():
    assert errors_of({"unit_id": 1, "customer_id": 2, "trade_in_credit": "1.234"}) == [(
        "'1.234' is not an amount of money: at most two decimals, e.g. \"12.50\"",
        "'1.234' 不是金额：最多两位小数，例如 \"12.50\"")]

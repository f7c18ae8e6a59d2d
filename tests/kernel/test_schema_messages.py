"""jsonschema errors in words, by keyword, in English and Chinese: never jsonschema's raw English."""
from __future__ import annotations

import pytest
from django.utils import translation
from jsonschema import Draft202012Validator

from definitions.entity import format_checker
from kernel.schema_messages import schema_message
from kernel.settings_schema import settings_problems

SCHEMA = {
    "type": "object",
    "required": ["payment_plan", "buyer"],
    "additionalProperties": False,
    "properties": {
        "payment_plan": {
            "type": "string", "enum": ["full", "installments"], "title": "Payment plan", "x-title-zh": "付款方式",
            "x-enum-titles": {"full": {"zh": "一次性付款", "en": "Full payment"},
                              "installments": {"zh": "分期付款", "en": "Installments"}},
        },
        "buyer": {"type": "string", "minLength": 1, "maxLength": 4, "title": "Buyer", "x-title-zh": "购房人"},
        "floors": {"type": "integer", "minimum": 1, "maximum": 60},
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "price": {"type": "string", "format": "money"},
        "signed_on": {"type": "string", "format": "date"},
        "tags": {"type": "array", "maxItems": 2, "uniqueItems": True},
        "kind": {"enum": ["a", "b"]},
    },
}


def said(data: dict, lang: str) -> list[str]:
    validator = Draft202012Validator(SCHEMA, format_checker=format_checker)
    with translation.override(lang):
        return sorted(schema_message(e, with_path=True)
                      for e in validator.iter_errors(data))


@pytest.mark.parametrize("data, en, zh", [
    ({"payment_plan": "fulll", "buyer": "李娜"},
     "payment_plan: 'fulll' is not one of the choices: Full payment (full), Installments (installments); "
     "did you mean full?",
     "payment_plan: 'fulll' 不是可选的值，可选：一次性付款 (full), 分期付款 (installments)；是否应为 full？"),
    ({"buyer": "李娜"},
     "Payment plan (payment_plan) is required",
     "付款方式 (payment_plan) 为必填"),
    ({"payment_plan": "full", "buyer": 7},
     "buyer: expected a text, found 7",
     "buyer: 应为文本，实际为 7"),
    ({"payment_plan": "full", "buyer": "李娜张伟王"},
     "buyer: too long: at most 4 characters (this has 5)",
     "buyer: 过长：最多 4 个字符（现有 5 个）"),
    ({"payment_plan": "full", "buyer": "李", "floors": 0},
     "floors: 0 is less than the minimum, 1",
     "floors: 0 小于最小值 1"),
    ({"payment_plan": "full", "buyer": "李", "floors": 61},
     "floors: 61 is more than the maximum, 60",
     "floors: 61 大于最大值 60"),
    ({"payment_plan": "full", "buyer": "李", "code": "Tower"},
     "code: 'Tower' is not written as expected (lower-case letters, digits and _, starting with a letter)",
     "code: 'Tower' 的写法不符合要求（以字母开头的小写字母、数字和 _）"),
    ({"payment_plan": "full", "buyer": "李", "price": "12.345"},
     "price: '12.345' is not an amount of money: at most two decimals, e.g. \"12.50\"",
     "price: '12.345' 不是金额：最多两位小数，例如 \"12.50\""),
    ({"payment_plan": "full", "buyer": "李", "signed_on": "May 1"},
     "signed_on: 'May 1' is not a date in quotes, e.g. \"2026-05-01\"",
     "signed_on: 'May 1' 不是加引号的日期，例如 \"2026-05-01\""),
    ({"payment_plan": "full", "buyer": "李", "tags": ["x", "x", "y"]},
     "tags: the same entry appears twice|tags: too many entries: at most 2 (this has 3)",
     "tags: 同一条目出现了两次|tags: 项数过多：最多 2 项（现有 3 项）"),
    ({"payment_plan": "full", "buyer": "李", "kind": "c"},
     "kind: 'c' is not one of the choices: a, b",
     "kind: 'c' 不是可选的值，可选：a, b"),
])
def test_each_keyword_is_said_in_words_with_the_schemas_titles(data, en, zh):
    assert said(data, "en") == sorted(en.split("|"))
    assert said(data, "zh-hans") == sorted(zh.split("|"))


def test_an_unknown_key_names_the_known_ones_and_the_nearest():
    # given / when
    found = said({"payment_plan": "full", "buyer": "李", "flors": 3}, "en")

    # then
    assert found == ["unknown key flors (known: buyer, code, floors, kind, payment_plan, price, signed_on, tags); "
                     "did you mean floors?"]


def test_no_message_is_jsonschemas_own_english():
    # given every error the schema can give for a thoroughly wrong document
    data = {"payment_plan": 3, "buyer": "", "floors": "x", "code": "?", "price": 1, "signed_on": "",
            "tags": "a", "kind": None, "extra": 1}
    validator = Draft202012Validator(SCHEMA, format_checker=format_checker)

    # when
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            words = [schema_message(e) for e in validator.iter_errors(data)]

        # then none is jsonschema's wording
        raw = [e.message for e in validator.iter_errors(data)]
        assert len(words) == len(raw) >= 9
        assert not set(words) & set(raw)
        assert not any("is not one of [" in w or "is not of type" in w or "does not match" in w for w in words)


def test_project_settings_problems_are_in_the_language_asked_for():
    # when
    en = settings_problems({"reservation_hours": 0}, "en")
    zh = settings_problems({"reservation_hours": 0}, "zh")

    # then
    assert en == ["reservation_hours: 0 is less than the minimum, 1"]
    assert zh == ["reservation_hours: 0 小于最小值 1"]

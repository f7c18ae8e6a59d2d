"""Every shipped entity schema carries the display vocabulary the pages and forms read (docs/schemas.md)."""
import json
import re
from pathlib import Path

import pytest

SCHEMAS = sorted((Path(__file__).resolve().parents[2] / "schemas").glob("*.json"))
ID_NAME = re.compile(r"(^|_)(unit|customer|consultant|referrer)_id$")


def _walk(schema: dict, path: str = ""):
    """Every (path, subschema) below `schema`: properties and array items."""
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, f"{path}.{name}" if path else name)
    if isinstance(schema.get("items"), dict):
        yield from _walk(schema["items"], f"{path}[]")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.stem)
def test_every_enum_has_a_chinese_and_an_english_title_per_value(path):
    for where, schema in _walk(json.loads(path.read_text())):
        if "enum" not in schema:
            continue
        titles = schema.get("x-enum-titles")
        assert titles is not None, f"{path.name}: {where} has an enum but no x-enum-titles"
        assert sorted(titles) == sorted(schema["enum"]), f"{path.name}: {where}"
        for value, title in titles.items():
            assert set(title) == {"zh", "en"} and all(title.values()), f"{path.name}: {where} {value}"
            assert not re.search(r"[A-Za-z]{2,}", title["zh"]), f"{path.name}: {where} {value} zh is not Chinese"
            assert not re.search(r"[\u4e00-\u9fff]", title["en"]), f"{path.name}: {where} {value} en has Chinese"


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.stem)
def test_every_id_field_says_what_it_refers_to(path):
    for where, schema in _walk(json.loads(path.read_text())):
        name = where.rsplit(".", 1)[-1]
        if ID_NAME.search(name):
            assert schema.get("x-ref") in ("unit", "customer", "user"), f"{path.name}: {where}"
        if "x-ref" in schema:
            assert "integer" in schema["type"], f"{path.name}: {where} refers by a non-integer"


def test_the_rates_people_type_as_percent_are_marked():
    subscription = json.loads((SCHEMAS[0].parent / "subscription.json").read_text())["properties"]

    assert subscription["discount_rate"]["x-percent"] is True
    assert subscription["change_discount_rate"]["x-percent"] is True
    assert subscription["buyers"]["items"]["properties"]["share"]["x-percent"] is True

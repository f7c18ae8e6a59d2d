"""Definitions are immutable once built; the runtime can share them freely."""
import dataclasses
from decimal import Decimal

import pytest

from .helpers import build_document, valid_document


def test_definition_objects_cannot_be_changed():
    definition = build_document(valid_document())

    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.name = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.states[0].final = True
    with pytest.raises(TypeError):
        definition.entity.schema["properties"]["x"] = {}
    with pytest.raises(TypeError):
        definition.document["name"] = "other"
    with pytest.raises(AttributeError):
        definition.states.append(None)


def test_changing_the_source_after_building_changes_nothing():
    document = valid_document()
    definition = build_document(document)

    document["states"][0]["name"] = "changed"
    document["entity"]["schema"]["properties"]["unit_id"]["type"] = "string"

    assert definition.states[0].name == "draft"
    assert definition.entity.schema["properties"]["unit_id"]["type"] == "integer"
    assert definition.document["states"][0]["name"] == "draft"


def test_content_hash_depends_on_content_not_on_key_order():
    a = valid_document()
    b = dict(reversed(list(valid_document().items())))
    c = valid_document()
    c["title"]["en"] = "Deal 2"

    assert build_document(a).content_hash == build_document(b).content_hash
    assert build_document(a).content_hash != build_document(c).content_hash


def test_entity_validator_checks_money_format_and_keeps_decimals():
    definition = build_document(valid_document())

    errors = [e.message for e in definition.entity.validator.iter_errors({"unit_id": 1, "price": "12.345"})]

    assert errors == ["'12.345' is not a 'money'"]
    assert list(definition.entity.validator.iter_errors({"unit_id": 1, "price": "1200000.50"})) == []
    assert definition.entity.decimal_fields == frozenset({"price", "discount_rate"})


def test_decimal_literals_in_yaml_stay_exact():
    from definitions.yamlio import load_yaml

    loaded = load_yaml("a: 0.1\nb: 1.5e+2\nc: 3\n")

    assert loaded.data == {"a": Decimal("0.1"), "b": Decimal("150"), "c": 3}
    assert str(loaded.data["a"]) == "0.1"

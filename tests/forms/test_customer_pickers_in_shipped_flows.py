"""Every shipped flow form that asks for a customer asks with the customer picker, and refuses at the field
a customer that does not exist or is not registered in the record's project (issue 14)."""
import pytest
from django.utils import translation

from engine import versions
from engine.environment import flow_names
from forms import build_form_class
from forms.fields import BuyersField, CustomerField
from kernel.models import CustomerRegistration

CUSTOMER_KEYS = {"customer_id", "owner_customer_id", "buyer_customer_id", "referrer_id"}


def _names_customer(name, schema) -> bool:
    items = schema.get("items") or {}
    return (schema.get("x-ref") == "customer" or name in CUSTOMER_KEYS
            or "customer_id" in (items.get("properties") or {}))


@pytest.fixture
def definitions(world):
    return {name: versions.definition_of(versions.publish(world["p1"], name).version) for name in sorted(flow_names())}


def test_every_form_field_naming_a_customer_is_a_customer_picker(world, refs, definitions):
    asked = []
    for name, definition in definitions.items():
        properties = definition.entity.schema.get("properties", {})
        specs = [("start", definition.start.form)] + [(t.name, t.form) for t in definition.transitions if t.form]
        for where, spec in specs:
            if spec is None:
                continue
            form = build_form_class(definition.entity.schema, spec, refs=refs, lang="en")()
            for field_name in [*spec.fields, *spec.extra]:
                schema = spec.extra.get(field_name) or properties.get(field_name, {})
                if _names_customer(field_name, schema):
                    asked.append(f"{name}.{where}.{field_name}")
                    assert isinstance(form.fields[field_name], (CustomerField, BuyersField)), (
                        f"{name}.{where}.{field_name} asks for a customer without the picker")
    assert "reservation.start.customer_id" in asked and "resale.start.owner_customer_id" in asked
    assert any(a.endswith(".buyers") for a in asked)


@pytest.mark.parametrize("language, words", [
    ("en", "王芳 is not registered in this project yet: register them here first, then pick them."),
    ("zh-hans", "王芳 尚未在本项目登记：请先在本项目登记，再选择。")])
def test_the_reservation_start_form_refuses_a_customer_of_another_project(world, refs, definitions, language, words):
    definition = definitions["reservation"]
    form_class = build_form_class(definition.entity.schema, definition.start.form, refs=refs, lang=language)

    with translation.override(language):
        form = form_class({"unit_id": world["units"][0].code, "customer_id": "13700002222"})
        assert not form.is_valid()
        assert form.errors["customer_id"] == [words]
    assert CustomerRegistration.objects.filter(project=world["p1"], customer=world["far"]).count() == 0


def test_the_reservation_start_form_refuses_a_customer_that_does_not_exist(world, refs, definitions):
    definition = definitions["reservation"]
    form_class = build_form_class(definition.entity.schema, definition.start.form, refs=refs, lang="en")

    with translation.override("en"):
        form = form_class({"unit_id": world["units"][0].code, "customer_id": "@999999"})
        assert not form.is_valid()
        assert form.errors["customer_id"][0].startswith("The customer does not exist")


def test_a_customer_registered_here_is_accepted(world, refs, definitions):
    definition = definitions["reservation"]
    form = build_form_class(definition.entity.schema, definition.start.form, refs=refs, lang="en")(
        {"unit_id": world["units"][0].code, "customer_id": "李娜"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["customer_id"] == world["li"].pk

"""Overrides: RFC 7396 merge patch with named lists addressed by name."""
from definitions.overrides import apply_overrides, merge_patch

from .helpers import build_document, valid_document


def test_merge_patch_follows_rfc_7396():
    # examples from RFC 7396, appendix A
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch([1, 2], {"a": "b", "c": None}) == {"a": "b"}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_named_items_are_changed_added_and_removed_by_name():
    template = valid_document()

    result, problems = apply_overrides(template, {
        "states": {"review": {"deadline": {"after": "12h"}},
                   "legal": {"title": {"zh": "法务", "en": "Legal"}, "owners": ["contract_clerk"]}},
        "transitions": {"cancel": None,
                        "to_legal": {"from": "draft", "to": "legal", "roles": ["sales_manager"]},
                        "legal_done": {"from": "legal", "to": "done", "roles": ["contract_clerk"]}},
    })

    assert problems == []
    assert [s["name"] for s in result["states"]] == ["draft", "review", "done", "cancelled", "legal"]
    assert result["states"][1]["deadline"] == {"after": "12h", "escalate_to": ["project_director"]}
    assert [t["name"] for t in result["transitions"]] == ["submit", "approve", "reject", "to_legal", "legal_done"]
    assert template["transitions"][3]["name"] == "cancel"  # the template is untouched


def test_tasks_inside_a_state_are_addressed_by_name():
    result, problems = apply_overrides(valid_document(), {
        "states": {"review": {"tasks": {"countersign": {"require": 2}}}}})

    assert problems == []
    task = result["states"][1]["tasks"][0]
    assert (task["name"], task["require"], task["roles"]) == ("countersign", 2, ["project_director", "finance"])
    assert build_document(result).state("review").tasks[0].require == 2


def test_removing_a_missing_item_is_a_problem_with_its_path():
    _, problems = apply_overrides(valid_document(), {"timers": {"nope": None}})

    assert [(p.path_text, p.message(), p.message("zh")) for p in problems] == [(
        "timers.nope", "cannot remove timer 'nope': the template has no such item",
        "无法删除定时器 'nope'：模板中没有该项")]


def test_overrides_must_be_a_mapping():
    _, problems = apply_overrides(valid_document(), ["states"])

    assert [p.message() for p in problems] == ["overrides must be a mapping"]


def test_entity_schema_fields_can_be_added():
    result, _ = apply_overrides(valid_document(), {
        "entity": {"schema": {"properties": {"referral": {"type": "string"}}}}})

    definition = build_document(result)
    assert definition.entity.field_names == ("unit_id", "price", "discount_rate", "buyer", "note", "referral")

"""`to:` as a list of guarded branches: parsed once, checked like guards, every problem with its path and line."""
from __future__ import annotations

from decimal import Decimal

import pytest

from definitions import DefinitionError
from definitions.model import Branch
from definitions.render import markdown, mermaid

from .helpers import DEAL_YAML, FILE, build_document, build_yaml, line_of, valid_document

# submit goes to review when the discount is above the allowance, else straight to done
BRANCHES = [
    {"when": "decimal(record.discount_rate or 0) > decimal(project.discount_allowance)", "state": "review"},
    {"state": "done"},
]


def problems_of(document) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        build_document(document)
    return [str(p) for p in exc.value.problems]


def routed(branches=None) -> dict:
    """The deal flow with submit routed by branches (and no guard of its own)."""
    document = valid_document()
    submit = document["transitions"][0]
    submit["to"] = BRANCHES if branches is None else branches
    del submit["guard"]
    return document


def test_a_plain_to_is_one_unconditional_target():
    submit = build_document(valid_document()).transition("submit")

    assert (submit.to, submit.targets, submit.target_states, submit.routed) == (
        "review", (Branch("review"),), ("review",), False)


def test_branches_are_parsed_once_and_to_is_the_default():
    submit = build_document(routed()).transition("submit")

    assert [(b.state, b.when.source if b.when else None) for b in submit.targets] == [
        ("review", "decimal(record.discount_rate or 0) > decimal(project.discount_allowance)"), ("done", None)]
    assert (submit.to, submit.target_states, submit.routed) == ("done", ("review", "done"), True)


def test_the_first_branch_that_holds_wins():
    submit = build_document(routed()).transition("submit")
    project = {"discount_allowance": Decimal("0.02")}

    assert submit.route({"record": {"discount_rate": "0.05"}, "project": project}) == "review"
    assert submit.route({"record": {"discount_rate": "0.01"}, "project": project}) == "done"


def test_without_a_default_no_branch_may_hold_and_to_is_the_first():
    submit = build_document(routed([BRANCHES[0]])).transition("submit")

    assert submit.to == "review"
    assert submit.route({"record": {"discount_rate": "0.01"}, "project": {"discount_allowance": Decimal("0.02")}}) is None


def test_a_condition_may_read_the_form():
    document = routed([{"when": "form.price != None", "state": "review"}, {"state": "done"}])

    assert build_document(document).transition("submit").targets[0].when.fields_used == (("form", "price"),)


@pytest.mark.parametrize("branches, expected", [
    pytest.param([{"when": "record.unit > 0", "state": "review"}, {"state": "done"}], [
        "transitions[0].to[0].when: unknown field 'unit' in entity 'deal'; did you mean 'unit_id'?",
    ], id="unknown-field"),
    pytest.param([{"when": "record.note ==", "state": "review"}, {"state": "done"}], [
        "transitions[0].to[0].when: the expression does not parse: invalid syntax (column 15)",
    ], id="syntax"),
    pytest.param([{"when": "record.note", "state": "reveiw"}, {"state": "done"}], [
        "transitions[0].to[0].state: unknown state 'reveiw'; did you mean 'review'?",
    ], id="unknown-state"),
    pytest.param([{"state": "done"}, {"when": "record.note", "state": "review"}], [
        "transitions[0].to[1]: this branch of 'submit' comes after its default branch (the one without `when`) "
        "and is never taken; put the default last",
    ], id="branch-after-default"),
    pytest.param([{"when": "record.note", "state": "review"}, {"state": "done"}, {"state": "cancelled"}], [
        "transitions[0].to[2]: 'submit' has more than one default branch (without `when`); keep one, last",
    ], id="two-defaults"),
    pytest.param([{"if": "record.note", "state": "review"}, {"state": "done"}], [
        "transitions[0].to[0].if: unknown key 'if'",
    ], id="unknown-key"),
    pytest.param([{"when": "record.note"}, {"state": "done"}], [
        "transitions[0].to[0]: missing required key 'state'",
    ], id="no-state"),
    pytest.param([], ["transitions[0].to: must have at least 1 item(s)"], id="empty"),
    pytest.param(["review", "done"], [
        "transitions[0].to[0]: expected a mapping, got a text",
        "transitions[0].to[1]: expected a mapping, got a text",
    ], id="plain-names"),
])
def test_a_bad_branch_is_reported_with_its_path(branches, expected):
    assert problems_of(routed(branches)) == [f"{FILE}: {line}" for line in expected]


def test_a_state_reached_only_by_a_later_branch_is_reachable():
    document = routed([{"when": "record.note == 'x'", "state": "done"}, {"state": "review"}])

    assert build_document(document).transition("submit").target_states == ("done", "review")


def test_a_state_no_branch_names_is_unreachable():
    document = routed([{"when": "record.note == 'x'", "state": "done"}, {"state": "cancelled"}])
    document["transitions"][3]["from"] = ["draft"]  # cancel no longer leaves review

    assert problems_of(document) == [
        f"{FILE}: states[1]: state 'review' cannot be reached from the start state 'draft'"]


def test_branch_problems_read_in_chinese_and_carry_their_line():
    text = DEAL_YAML.replace("    to: review\n    roles: [sales_consultant]",
                             "    to:\n      - {when: record.notee is not None, state: review}\n"
                             "      - {state: done}\n    roles: [sales_consultant]")
    line = line_of(text, "when: record.notee")

    with pytest.raises(DefinitionError) as exc:
        build_yaml(text)

    assert [p.render("zh", with_line=True) for p in exc.value.problems] == [
        f"{FILE}: transitions[0].to[0].when: 实体 'deal' 中没有字段 'notee'；是否应为 'note'？（第 {line} 行）"]


def test_the_diagram_draws_a_choice_with_one_labelled_edge_per_branch():
    definition = build_document(routed())

    lines = mermaid(definition).splitlines()

    assert "    state _route_submit <<choice>>" in lines
    assert "    draft --> _route_submit: submit" in lines
    assert "    _route_submit --> review: decimal(record.discount_rate or 0) ＞ decimal(project.discount_allowance)" in lines
    assert "    _route_submit --> done: otherwise" in lines
    assert not any(line.startswith("    draft --> review") for line in lines)


def test_the_page_lists_each_branch_in_the_to_column():
    page = markdown(build_document(routed()))

    assert ("| `submit`  | draft | review if `decimal(record.discount_rate or 0) > decimal(project.discount_allowance)`"
            "<br/>done otherwise |") in page

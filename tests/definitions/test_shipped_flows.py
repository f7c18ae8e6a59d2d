from definitions import load_flows

from .helpers import ROOT, build_document, shipped_environment, valid_document


def test_every_shipped_flow_is_valid():
    definitions, problems = load_flows([ROOT / "flows"], shipped_environment(), ROOT)

    assert [str(p) for p in problems] == []
    assert {"reservation", "subscription"} <= set(definitions)


def test_the_helper_document_is_valid():
    definition = build_document(valid_document())

    assert definition.name == "deal"
    assert [s.name for s in definition.states] == ["draft", "review", "done", "cancelled"]
    assert definition.transition("cancel").sources == ("draft", "review")

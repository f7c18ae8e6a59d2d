"""The annotated example in docs/flow-format.md must stay a valid definition."""
import dataclasses
import re

from definitions import build
from definitions.yamlio import load_yaml

from .helpers import ROOT, shipped_environment


def documented_example() -> str:
    text = (ROOT / "docs" / "flow-format.md").read_text(encoding="utf-8")
    return re.search(r"## A complete, annotated example\n\n```yaml\n(.*?)```", text, re.S).group(1)


def test_the_documented_example_is_valid():
    env = dataclasses.replace(shipped_environment(), flow_names=frozenset({"subscription", "contract"}))
    loaded = load_yaml(documented_example(), "docs/flow-format.md")

    definition = build(loaded.data, env, "docs/flow-format.md", loaded.lines)

    assert definition.state("discount_review").tasks[0].require == "all"
    assert [t.name for t in definition.state("awaiting_contract").tasks] == [
        "arrange_signing", "check_documents", "call_buyer"]
    assert definition.transition("cancel").sources == ("draft", "discount_review", "awaiting_contract")
    assert [t.name for t in definition.timers] == ["contract_overdue", "approval_expires"]

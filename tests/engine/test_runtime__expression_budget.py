"""A guard stopped by the expression budget refuses the step with the reason, in both languages (issue 16)."""
import pytest

from engine.runtime.errors import GuardFailed
from engine.runtime.transitions import _check_guard
from tests.definitions.helpers import build_document, valid_document


def test_a_guard_that_would_build_a_huge_list_from_the_data_refuses_the_step_in_words():
    # given a guard whose list is as long as a number in the record
    document = valid_document()
    document["transitions"][0]["guard"] = "[record.unit_id] * record.unit_id != []"
    submit = build_document(document).transition("submit")

    # when it is checked on a record whose number is a billion
    with pytest.raises(GuardFailed) as refused:
        _check_guard(submit, {"record": {"unit_id": 10**9}, "project": {}, "user": {}, "form": {}})

    # then the step is refused with the reason, not run for minutes
    source = "[record.unit_id] * record.unit_id != []"
    assert refused.value.message("en") == (
        "the condition of 'submit' could not be checked: the expression would build 1000000001 values; "
        f"an expression may build at most 10000 (in {source})")
    assert refused.value.message("zh") == (
        f"无法判断「submit」的条件：表达式将构造 1000000001 个值；一个表达式最多只能构造 10000 个（{source}）")

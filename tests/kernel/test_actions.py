"""The calling contract with the engine: every declared kernel action is implemented, with its parameters."""
import inspect
from datetime import UTC, datetime

from kernel.actions import IMPLEMENTATIONS, SPECS, ActionContext


def test_every_declared_kernel_action_has_an_implementation():
    assert sorted(IMPLEMENTATIONS) == sorted(spec.name for spec in SPECS)


def test_each_implementation_takes_the_context_and_exactly_the_declared_parameters():
    for spec in SPECS:
        signature = inspect.signature(IMPLEMENTATIONS[spec.name])
        params = list(signature.parameters.values())
        assert params[0].name == "ctx", spec.name
        assert {p.name for p in params[1:]} == set(spec.params), spec.name
        optional = {p.name for p in params[1:] if p.default is not inspect.Parameter.empty}
        assert optional == {name for name, p in spec.params.items() if not p.required}, spec.name


def test_a_deal_is_the_record_then_its_ancestors_each_once():
    def ctx(lineage):
        return ActionContext(project_id=1, record_id=7, reference="SUB-000007", flow="subscription", user_id=None,
                             now=datetime(2026, 5, 1, tzinfo=UTC), data={}, lineage=lineage)

    assert ctx((7, 3, 1)).deal == (7, 3, 1)  # as the engine passes it: this record first
    assert ctx((3, 1)).deal == (7, 3, 1)
    assert ctx(()).deal == (7,)

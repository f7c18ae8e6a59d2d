"""The unit sale status machine (viewflow.fsm): which moves exist."""
import pytest

from kernel.errors import UnitStatusRefused
from kernel.models import SaleStatus, Unit
from kernel.sale_status import UnitSale

S = SaleStatus
ALLOWED = {
    (S.AVAILABLE, S.RESERVED), (S.AVAILABLE, S.SUBSCRIBED), (S.AVAILABLE, S.SIGNED), (S.AVAILABLE, S.WITHHELD),
    (S.RESERVED, S.SUBSCRIBED), (S.RESERVED, S.SIGNED), (S.RESERVED, S.AVAILABLE),
    (S.SUBSCRIBED, S.SIGNED), (S.SUBSCRIBED, S.AVAILABLE),
    (S.SIGNED, S.FILED), (S.SIGNED, S.AVAILABLE),
    (S.FILED, S.DELIVERED), (S.FILED, S.AVAILABLE),
    (S.WITHHELD, S.AVAILABLE),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_the_declared_moves_are_allowed(source, target):
    # given: a unit in memory; the machine never touches the database
    unit = Unit(code="3-1502", status=source)

    # when
    try:
        UnitSale(unit).move_to(target)
        moved = True
    except UnitStatusRefused:
        moved = False

    # then
    assert moved == ((source, target) in ALLOWED)
    assert unit.status == (target if moved else source)

"""Price lists from base price × floor coefficient × orientation coefficient; figures worked by hand."""
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from plugins.pricing.price_list import Basis, FloorBand, PriceListRules, UnitFacts, floor_coefficient, price_line
from plugins.pricing.rounding import Rounding, RoundingMode, round_to

from .conftest import make_unit

BANDS = (FloorBand(-2, -1, D("0.90")), FloorBand(1, 5, D("0.98")), FloorBand(6, 10, D("1.00")),
         FloorBand(11, 20, D("1.015")), FloorBand(21, None, D("1.03")))
ORIENTATIONS = {"南": D("1.02"), "北": D("0.97")}
YUAN = Rounding(D("1"), RoundingMode.HALF_UP)


def rules(basis: Basis, base: str, per_m2: Rounding = YUAN, total: Rounding = YUAN, buildings=None) -> PriceListRules:
    return PriceListRules(basis, D(base), buildings or {}, BANDS, ORIENTATIONS, per_m2, total)


def unit(floor: int, orientation: str = "南", building: str = "3") -> UnitFacts:
    return UnitFacts(f"{building}-{floor:02d}02", building, floor, orientation, D("128.50"), D("101.37"))


@pytest.mark.parametrize("floor, expected", [
    (-2, D("0.90")), (-1, D("0.90")), (0, D("1")), (1, D("0.98")), (5, D("0.98")), (6, D("1.00")),
    (10, D("1.00")), (11, D("1.015")), (20, D("1.015")), (21, D("1.03")), (58, D("1.03")),
])
def test_floor_coefficient_is_the_band_holding_the_floor_and_one_where_no_band_does(floor, expected):
    assert floor_coefficient(floor, BANDS) == expected


@pytest.mark.parametrize("case, rule, facts, per_m2, total", [
    # 20000 × 1.015 × 1.02 = 20706.00 per m²; × 128.50 m² built = 2 660 721.00
    ("built area, 15th floor south", rules(Basis.BUILT_AREA, "20000.00"), unit(15), D("20706.00"), D("2660721.00")),
    # 25000 × 0.98 × 0.97 = 23765.00 per m²; × 101.37 m² inner = 2 409 058.05 → 2 409 058.00 (to the yuan)
    ("inner area, 3rd floor north", rules(Basis.INNER_AREA, "25000.00"), unit(3, "北"), D("23765.00"),
     D("2409058.00")),
    # 20000 × 1.00 × 1 (east: not in the table) = 20000.00; × 128.50 = 2 570 000.00
    ("orientation not in the table", rules(Basis.BUILT_AREA, "20000.00"), unit(8, "东"), D("20000.00"),
     D("2570000.00")),
    # building 5 has its own base: 21000 × 1.03 × 1.02 = 22062.60 → 22063.00; × 128.50 = 2 835 095.50 → 2 835 096.00
    ("building base price, 30th floor", rules(Basis.BUILT_AREA, "20000.00", buildings={"5": D("21000.00")}),
     unit(30, building="5"), D("22063.00"), D("2835096.00")),
    # per m² rounded down to ten yuan: 20706 → 20700.00; × 128.50 = 2 659 950.00
    ("per m² rounded down to ten yuan", rules(Basis.BUILT_AREA, "20000.00", per_m2=Rounding(D("10"), RoundingMode.DOWN)),
     unit(15), D("20700.00"), D("2659950.00")),
    # per unit (a parking space): 150000 × 0.90 × 1.02 = 137700.00, no price per m²
    ("per unit, basement", rules(Basis.UNIT, "150000.00"), unit(-1), None, D("137700.00")),
])
def test_price_line_is_base_times_coefficients_times_area(case, rule, facts, per_m2, total):
    line = price_line(facts, rule)

    assert (line.price_per_m2, line.total) == (per_m2, total)


@pytest.mark.parametrize("value, step, mode, expected", [
    (D("2937491.0334"), "1", "half_up", D("2937491.00")),
    (D("2937491.50"), "1", "half_up", D("2937492.00")),
    (D("2937491.49"), "1", "half_up", D("2937491.00")),
    (D("2937499.99"), "10", "down", D("2937490.00")),
    (D("2937401.00"), "100", "up", D("2937500.00")),
    (D("2937491.005"), "0.01", "half_up", D("2937491.01")),
    (D("2937491.00"), "1000", "down", D("2937000.00")),
])
def test_rounding_to_a_step_in_a_direction(value, step, mode, expected):
    assert round_to(value, Rounding(D(step), RoundingMode(mode))) == expected


@pytest.mark.django_db
def test_price_list_command_prices_every_unit_beside_its_current_list_price(pricing_rules, project):
    make_unit(project)                                                      # 3-1502, 128.50 m², south
    make_unit(project, code="5-0301", building="5", floor=3, orientation="北", list_price="2400000.00")
    out = StringIO()

    call_command("price_list", "--project", "PLG", stdout=out)

    # 3-1502: building 3 base 21 000 × 1.015 × 1.02 = 21 741.30 → 21 741.00; × 128.50 = 2 793 718.50 → 2 793 719.00
    # 5-0301: base 20 000 × 0.98 × 0.97 = 19 012.00; × 128.50 = 2 443 042.00
    assert out.getvalue().splitlines() == [
        "unit,basis,area,floor_coefficient,orientation_coefficient,price_per_m2,total,current_list_price,change",
        "3-1502,built_area,128.50,1.015,1.02,21741.00,2793719.00,3058300.00,-264581.00",
        "5-0301,built_area,128.50,0.98,0.97,19012.00,2443042.00,2400000.00,43042.00",
    ]

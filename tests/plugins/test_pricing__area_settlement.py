"""Area settlement bands (domain.md), including exactly +3 % and −3 %; figures worked by hand."""
from decimal import Decimal as D

import pytest

from plugins.pricing.area_settlement import AreaRule, settle

P = D("20000.00")


@pytest.mark.parametrize("measured, ratio, buyer_pays, refund, developer_bears, may_cancel", [
    # domain.md's example: +2 % → the buyer pays 2.00 m² × 20 000 = 40 000.00
    (D("102.00"), D("0.020000"), D("40000.00"), D("0"), D("0"), False),
    (D("100.00"), D("0.000000"), D("0"), D("0"), D("0"), False),
    # exactly +3 %: still inside the band, the whole 3.00 m² at P
    (D("103.00"), D("0.030000"), D("60000.00"), D("0"), D("0"), False),
    # +3.01 %: 3.00 m² at P = 60 000.00; the 0.01 m² beyond is the developer's (200.00); the buyer may cancel
    (D("103.01"), D("0.030100"), D("60000.00"), D("0"), D("200.00"), True),
    # +5 %: 3.00 m² paid, 2.00 m² × 20 000 = 40 000.00 borne by the developer
    (D("105.00"), D("0.050000"), D("60000.00"), D("0"), D("40000.00"), True),
    # −1.5 %: 1.50 m² refunded at P = 30 000.00
    (D("98.50"), D("-0.015000"), D("0"), D("30000.00"), D("0"), False),
    # exactly −3 %: 3.00 m² refunded at P = 60 000.00, no double rate, no cancellation right
    (D("97.00"), D("-0.030000"), D("0"), D("60000.00"), D("0"), False),
    # −3.01 %: 3.00 m² at P (60 000.00) + 0.01 m² at 2P (400.00) = 60 400.00
    (D("96.99"), D("-0.030100"), D("0"), D("60400.00"), D("0"), True),
    # −5 %: 60 000.00 + 2.00 m² × 40 000 = 140 000.00
    (D("95.00"), D("-0.050000"), D("0"), D("140000.00"), D("0"), True),
])
def test_default_rule_on_a_100_m2_contract_at_20000_per_m2(measured, ratio, buyer_pays, refund, developer_bears,
                                                           may_cancel):
    s = settle(D("100.00"), measured, P)

    assert (s.ratio, s.buyer_pays, s.refund, s.developer_bears, s.may_cancel) == (
        ratio, buyer_pays, refund, developer_bears, may_cancel)
    assert s.amount == buyer_pays - refund


@pytest.mark.parametrize("contracted, measured, price, buyer_pays, refund, developer_bears", [
    # band = 128.50 × 3 % = 3.855 m²; +2.50 m² is inside: 2.50 × 23 800 = 59 500.00
    (D("128.50"), D("131.00"), D("23800.00"), D("59500.00"), D("0"), D("0")),
    # exactly +3 % of 128.50 is 132.355 m² (areas have two decimals in practice, the rule must not care)
    (D("128.50"), D("132.355"), D("23800.00"), D("91749.00"), D("0"), D("0")),
    # +4.50 m²: 3.855 × 23 800 = 91 749.00 paid; 0.645 × 23 800 = 15 351.00 borne by the developer
    (D("128.50"), D("133.00"), D("23800.00"), D("91749.00"), D("0"), D("15351.00")),
    # −4.50 m²: 91 749.00 + 0.645 × 47 600 = 30 702.00 → 122 451.00 refunded
    (D("128.50"), D("124.00"), D("23800.00"), D("0"), D("122451.00"), D("0")),
    # the price per m² has fen: 1.37 m² × 22 631.25 = 31 004.8125 → 31 004.81
    (D("101.37"), D("102.74"), D("22631.25"), D("31004.81"), D("0"), D("0")),
])
def test_default_rule_with_areas_and_prices_that_are_not_round(contracted, measured, price, buyer_pays, refund,
                                                               developer_bears):
    s = settle(contracted, measured, price)

    assert (s.buyer_pays, s.refund, s.developer_bears) == (buyer_pays, refund, developer_bears)


@pytest.mark.parametrize("rule, measured, buyer_pays, refund, developer_bears, may_cancel", [
    # a 5 % band: +5 % is inside (100 000.00), −6 % refunds 5 m² at P + 1 m² at 2P = 140 000.00
    (AreaRule(band=D("0.05")), D("105.00"), D("100000.00"), D("0"), D("0"), False),
    (AreaRule(band=D("0.05")), D("94.00"), D("0"), D("140000.00"), D("0"), True),
    # beyond the band charged at P too (factor 1): +5 % → 5 m² × 20 000 = 100 000.00, nothing borne
    (AreaRule(increase_factor=D("1")), D("105.00"), D("100000.00"), D("0"), D("0"), True),
    # refunded at P beyond the band (factor 1): −5 % → 100 000.00
    (AreaRule(decrease_factor=D("1")), D("95.00"), D("0"), D("100000.00"), D("0"), True),
    # a project whose contracts give no right to cancel
    (AreaRule(cancel_beyond_band=False), D("95.00"), D("0"), D("140000.00"), D("0"), False),
])
def test_a_project_may_configure_its_own_bands(rule, measured, buyer_pays, refund, developer_bears, may_cancel):
    s = settle(D("100.00"), measured, P, rule)

    assert (s.buyer_pays, s.refund, s.developer_bears, s.may_cancel) == (buyer_pays, refund, developer_bears,
                                                                         may_cancel)

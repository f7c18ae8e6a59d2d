"""Commission figures: both consultant tier modes at their boundaries, channel rates, when payable."""
from decimal import Decimal as D

import pytest

from plugins.commission.tiers import Tier, TierMode, channel_commission, consultant_commissions, is_payable, rate_for

TIERS = (Tier(1, 5, D("0.003")), Tier(6, 10, D("0.004")), Tier(11, None, D("0.005")))
WHOLE, PROGRESSIVE = TierMode.WHOLE_BRACKET, TierMode.PROGRESSIVE
TWO_MILLION = D("2000000.00")


@pytest.mark.parametrize("count, rate", [(1, D("0.003")), (5, D("0.003")), (6, D("0.004")), (10, D("0.004")),
                                         (11, D("0.005")), (250, D("0.005"))])
def test_rate_for_a_count_is_its_tier(count, rate):
    assert rate_for(count, TIERS) == rate


@pytest.mark.parametrize("mode, deals, each, total", [
    # whole bracket: the month's count sets one rate for all its deals
    (WHOLE, 1, [D("6000.00")], D("6000.00")),
    (WHOLE, 5, [D("6000.00")] * 5, D("30000.00")),                     # 5 × 2 000 000 × 0.3 %
    (WHOLE, 6, [D("8000.00")] * 6, D("48000.00")),                     # the sixth lifts all six to 0.4 %
    (WHOLE, 10, [D("8000.00")] * 10, D("80000.00")),
    (WHOLE, 11, [D("10000.00")] * 11, D("110000.00")),                 # eleven at 0.5 %
    # progressive: each deal at the rate of its own place
    (PROGRESSIVE, 5, [D("6000.00")] * 5, D("30000.00")),
    (PROGRESSIVE, 6, [D("6000.00")] * 5 + [D("8000.00")], D("38000.00")),   # 30 000 + 8 000
    (PROGRESSIVE, 10, [D("6000.00")] * 5 + [D("8000.00")] * 5, D("70000.00")),
    (PROGRESSIVE, 11, [D("6000.00")] * 5 + [D("8000.00")] * 5 + [D("10000.00")], D("80000.00")),
    (WHOLE, 0, [], D("0")),                                             # the month's only deal was cancelled
    (PROGRESSIVE, 0, [], D("0")),
])
def test_consultant_tiers_at_their_boundaries(mode, deals, each, total):
    figures = consultant_commissions([TWO_MILLION] * deals, TIERS, mode)

    assert figures == each
    assert sum(figures, D("0")) == total


@pytest.mark.parametrize("mode, expected", [
    # 1 234 567.89 × 0.004 = 4 938.27156 → 4 938.27; 3 100 000 × 0.004 = 12 400.00
    (WHOLE, [D("4938.27"), D("8000.00"), D("8000.00"), D("8000.00"), D("8000.00"), D("12400.00")]),
    # 1 234 567.89 × 0.003 = 3 703.70367 → 3 703.70; only the sixth (3 100 000) at 0.4 %
    (PROGRESSIVE, [D("3703.70"), D("6000.00"), D("6000.00"), D("6000.00"), D("6000.00"), D("12400.00")]),
])
def test_each_deal_is_rounded_to_the_fen_in_signing_order(mode, expected):
    amounts = [D("1234567.89"), TWO_MILLION, TWO_MILLION, TWO_MILLION, TWO_MILLION, D("3100000.00")]

    assert consultant_commissions(amounts, TIERS, mode) == expected


@pytest.mark.parametrize("amount, rate, expected", [
    (D("2908116.00"), D("0.015"), D("43621.74")),
    (D("3000000.00"), D("0.012"), D("36000.00")),
    (D("1234567.89"), D("0.015"), D("18518.52")),   # 18 518.51835 → 18 518.52
])
def test_channel_commission_is_its_rate_of_the_contract_amount(amount, rate, expected):
    assert channel_commission(amount, rate) == expected


@pytest.mark.parametrize("filed, requires_filing, collected, share, payable", [
    (True, True, D("600000.00"), D("0.30"), True),      # exactly 30 % of 2 000 000
    (True, True, D("599999.99"), D("0.30"), False),
    (False, True, D("2000000.00"), D("0.30"), False),   # all collected but not filed
    (False, False, D("600000.00"), D("0.30"), True),
    (True, True, D("0.00"), D("0"), True),
])
def test_payable_once_filed_and_the_share_is_collected(filed, requires_filing, collected, share, payable):
    assert is_payable(filed=filed, requires_filing=requires_filing, collected=collected,
                      contract_amount=TWO_MILLION, share=share) is payable

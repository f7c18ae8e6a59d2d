"""Membership points 会员积分: earning rules, levels, redemption, expiry oldest first, a balance never negative."""

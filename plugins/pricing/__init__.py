"""Pricing 定价: price lists from coefficients, discount chains, rounding, frozen quotes, area settlement."""

"""Commission 佣金: channel rates, consultant tiers, referral bonuses, and a ledger with clawbacks."""

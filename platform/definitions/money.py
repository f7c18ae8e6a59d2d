"""The one money limit: what a money column holds is what every schema, form and ledger accepts.

Money is yuan with fen precision in a `numeric(14, 2)` column: at most
¥999,999,999,999.99. The entity format `money` (definitions.entity), the form's money
field (forms.fields.MoneyField), the kernel's `to_money` and the model columns
(`max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES`) all read it from
here, the lowest layer, so a larger amount is refused where it is typed instead of
being stored in a ledger row nobody can read back (SQLite) or failing the insert
(PostgreSQL).
"""
from __future__ import annotations

import re
from decimal import Decimal

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
FEN = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
MONEY_LIMIT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - FEN
MONEY_LIMIT_TEXT = f"{MONEY_LIMIT:,}"  # 999,999,999,999.99, as messages say it
# %-formatting kept (UP031): as an f-string the regex's own braces would all need doubling
_MONEY_TEXT = re.compile(r"^-?\d{1,40}(\.\d{1,%d})?$" % MONEY_DECIMAL_PLACES)  # noqa: UP031  # the shape; the size is compared


def within_limit(amount: Decimal) -> bool:
    """Whether a column holds `amount` (either sign): an exact comparison, safe for any finite Decimal."""
    return -MONEY_LIMIT <= amount <= MONEY_LIMIT


def money_text_problem(value: str) -> str | None:
    """What is wrong with a money string (the entity format `money`): None, `money.format` or `money.limit`."""
    if not _MONEY_TEXT.match(value):
        return "money.format"
    return None if within_limit(Decimal(value)) else "money.limit"

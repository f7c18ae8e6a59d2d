"""Amounts in Chinese capitals 大写金额, as receipts, contracts and cheques write them.

The banking rules (中国人民银行《支付结算办法》 附件一 正确填写票据和结算凭证的基本规定):
digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟 within a group of four, groups 万 and 亿; a run
of zeros inside the number is written as one 零 (壹仟零壹元, 壹佰万零壹佰元) and zeros at
the end of a group or of the whole number are not written (壹亿元, 壹拾万元); 整 ends an
amount without 角 and 分; when the yuan digit or the 角 is zero and a smaller unit
follows, 零 stands for it (壹佰元零壹角, 壹元零伍分). 壹拾 is written in full (never 拾):
a cheque must leave no room to add a digit in front. Plain Python, no Django: the
documents' templates and anything else may call it.
"""
from __future__ import annotations

from decimal import Decimal

from .money import FEN, MONEY_LIMIT

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")  # 12 integer digits at most (MONEY_LIMIT): three groups of four


def amount_in_capitals(amount: Decimal) -> str:
    """壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分 for Decimal("1234567.89").

    `ValueError` for a negative amount (a refund is written as its positive amount with
    its own words), one beyond the money limit, more than two decimal places (never
    rounded silently: the caller decides), or anything but a Decimal or an int.
    """
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise ValueError(f"not a Decimal amount: {amount!r}")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    if amount < 0:
        raise ValueError(f"a negative amount has no capitals: {amount}")
    if amount > MONEY_LIMIT:
        raise ValueError(f"more than the money limit {MONEY_LIMIT:,}: {amount}")
    if amount != amount.quantize(FEN):
        raise ValueError(f"more than two decimal places: {amount}")
    fen = int(amount.quantize(FEN) * 100)
    yuan, jiao, fen = fen // 100, fen // 10 % 10, fen % 10
    words = _integer(yuan)
    if yuan and not jiao and not fen:
        return words + "元整"
    if not yuan and not jiao and not fen:
        return "零元整"
    if yuan:
        words += "元"
    if jiao:
        if yuan and yuan % 10 == 0:
            words += "零"
        words += DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            words += "零"
        words += DIGITS[fen] + "分"
    return words


def _integer(number: int) -> str:
    """The yuan part without 元: "" for 0."""
    digits = str(number) if number else ""
    words: list[str] = []
    zero_pending = False
    for i, ch in enumerate(digits):
        power = len(digits) - 1 - i
        group, place = divmod(power, 4)
        digit = int(ch)
        if digit:
            if zero_pending:
                words.append("零")
                zero_pending = False
            words.append(DIGITS[digit] + PLACES[place])
        else:
            zero_pending = True
        if place == 0 and group:
            # the group's unit, unless all four of its digits are zero (壹亿零壹元, no 万)
            start = max(0, len(digits) - 4 * (group + 1))
            if int(digits[start:len(digits) - 4 * group]):
                words.append(GROUPS[group])
    return "".join(words)

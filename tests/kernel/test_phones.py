"""Phone numbers: one spelling per number, and the masked form."""
import pytest

from kernel.errors import InvalidPhone
from kernel.phones import mask_phone, normalise_phone


@pytest.mark.parametrize("typed", ["13812341234", "138 1234 1234", "+86 138-1234-1234", "8613812341234",
                                   "008613812341234", " 13812341234 "])
def test_every_spelling_of_a_mobile_number_normalises_to_one(typed):
    assert normalise_phone(typed) == "+8613812341234"


@pytest.mark.parametrize("typed", ["", "12345", "1381234123", "not a phone", None, 13812341234])
def test_what_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(typed)

    assert caught.value.params["value"] == typed


@pytest.mark.parametrize(("typed", "en", "zh"), [
    ("12345", "phone: 12345 is not", "电话：12345 不是"),
    (None, "phone: nothing is not", "电话：空值 不是"),
    ("  ", "phone: nothing is not", "电话：空值 不是"),
])
def test_a_refused_phone_is_named_and_shown_as_typed_in_both_languages(typed, en, zh):
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(typed)

    assert caught.value.message_en == f"{en} a valid phone number, e.g. 13812341234 or +86 138 1234 1234"
    assert caught.value.message_zh == f"{zh}有效的电话号码，例如 13812341234 或 +86 138 1234 1234"


@pytest.mark.parametrize(("phone", "masked"), [
    ("+8613812341234", "138****1234"),
    ("+862112345678", "21****5678"),
    ("+85291234567", "+852 ****4567"),
    ("+14155552671", "+1 41****2671"),
    ("", ""),
])
def test_masking_keeps_the_first_three_and_last_four_digits_of_a_mobile(phone, masked):
    assert mask_phone(phone) == masked

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.validators import (
    fold_name,
    format_phone,
    format_snils,
    normalise_oms,
    normalise_phone,
    normalise_snils,
    oms_check_digit,
    snils_checksum,
)


@pytest.mark.parametrize("snils", ["112-233-445 95", "11223344595", "112 233 445 95", "001-001-998 00"])
def test_known_valid_snils_are_accepted(snils):
    assert len(normalise_snils(snils)) == 11


@pytest.mark.parametrize("snils", ["112-233-445 96", "112-233-445 94", "123-456-789 00", "001-001-999 00"])
def test_snils_with_wrong_check_digits_is_rejected(snils):
    with pytest.raises(ValidationError) as exc:
        normalise_snils(snils)
    assert exc.value.code == "snils_checksum"


@pytest.mark.parametrize("snils", ["112-233-445", "1122334459512", ""])
def test_snils_of_wrong_length_is_rejected(snils):
    with pytest.raises(ValidationError) as exc:
        normalise_snils(snils)
    assert exc.value.code == "snils_length"


def test_snils_checksum_special_cases():
    # Sums of exactly 100 and 101 give 00; above 101 the remainder modulo 101 is used.
    assert snils_checksum("112233445") == 95
    assert snils_checksum("000000000") == 0
    assert snils_checksum("999999999") == 405 % 101


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: int(s) > 1001998))
def test_every_generated_snils_round_trips_and_any_other_check_fails(first):
    good = first + f"{snils_checksum(first):02d}"
    assert normalise_snils(format_snils(good)) == good
    bad = first + f"{(snils_checksum(first) + 1) % 100:02d}"
    with pytest.raises(ValidationError):
        normalise_snils(bad)


@pytest.mark.parametrize(("body", "check"), [("12345", 5), ("401", 0), ("9999", 4), ("99999999", 8)])
def test_oms_check_digit_matches_the_published_mod10_examples(body, check):
    # The worked examples of the Mod10 scheme that the FFOMS number uses (HL7 v2, check digit scheme M10).
    assert oms_check_digit(body) == check


def test_oms_check_digit_of_a_full_policy_number_by_hand():
    # 123456789012345: odd positions from the right 5,3,1,9,7,5,3,1 -> 53197531 * 2 = 106395062;
    # even positions 4,2,0,8,6,4,2 -> 4208642; digits of 4208642106395062 sum to 26 + 32 = 58 -> 2.
    assert oms_check_digit("123456789012345") == 2
    assert normalise_oms("1234 5678 9012 3452") == "1234567890123452"


@pytest.mark.parametrize("oms", ["1234567890123451", "1234567890123453", "123456789012345", "12345678901234520"])
def test_invalid_oms_numbers_are_rejected(oms):
    with pytest.raises(ValidationError):
        normalise_oms(oms)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_oms_single_digit_typo_is_always_caught(first):
    good = first + str(oms_check_digit(first))
    assert normalise_oms(good) == good
    wrong_last = good[:15] + str((int(good[15]) + 1) % 10)
    with pytest.raises(ValidationError):
        normalise_oms(wrong_last)


@pytest.mark.parametrize(
    "raw",
    [
        "8 (916) 123-45-67",
        "+7 916 123 45 67",
        "89161234567",
        "+7(916)1234567",
        "8-916-123-45-67",
        "7 916 123-45-67",
    ],
)
def test_common_ways_of_writing_a_mobile_number_give_the_same_e164(raw):
    assert normalise_phone(raw) == "+79161234567"


def test_moscow_landline_is_stored_in_e164_and_shown_readably():
    assert normalise_phone("8 (495) 870-45-09") == "+74958704509"
    assert format_phone("+74958704509") == "+7 495 870-45-09"


@pytest.mark.parametrize("raw", ["", "abc", "8 (916) 123-45", "123", "+7 916 123 45 67 89"])
def test_bad_phone_numbers_are_rejected(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_names_fold_case_and_yo():
    assert fold_name("  Сёмина   ЁЛКА ") == "семина елка"

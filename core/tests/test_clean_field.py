"""core.validators.clean_field: one text field of a service's input, as every service cleans it."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.exceptions import ValidationError
from core.validators import clean_field


def test_spaces_are_made_one_and_the_ends_trimmed():
    assert clean_field("  Петров   И. С.  терапевт ", "doctor") == "Петров И. С. терапевт"


def test_a_line_break_in_a_one_line_field_is_refused():
    with pytest.raises(ValidationError):
        clean_field("Петров\nтерапевт", "doctor")


def test_line_breaks_stay_in_a_multiline_field():
    assert clean_field(" первая\nвторая \n", "note", multiline=True) == "первая\nвторая"


@pytest.mark.parametrize(
    ("value", "options", "field_message"),
    [
        ("", {"required": True}, "Обязательное поле."),
        ("   ", {"required": True}, "Обязательное поле."),
        ("x" * 11, {"limit": 10}, "Не более 10 символов."),
        ("a\x00b", {}, "Уберите невидимые и управляющие символы"),
        ("a\u200bb", {}, "Уберите невидимые и управляющие символы"),
    ],
)
def test_a_refusal_names_the_field(value, options, field_message):
    # In Russian whatever an earlier test left active (a management command runs with no language).
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        clean_field(value, "doctor", **options)
    assert list(error.value.message_dict) == ["doctor"]
    assert field_message in error.value.message_dict["doctor"][0]


@given(st.text(max_size=50))
def test_the_result_is_never_longer_than_the_limit_nor_padded(value):
    try:
        text = clean_field(value, "f", limit=40)
    except ValidationError:
        return
    assert len(text) <= 40 and text == text.strip() and "  " not in text

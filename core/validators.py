"""Validators and normalisers for Russian identifiers and phone numbers."""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NON_DIGITS = re.compile(r"\D")

# The largest number a bigint column (ids, versions) holds, on PostgreSQL and SQLite alike. A larger one
# from a URL, a form or a JSON body is "no such record" or "not valid", never handed to the database.
MAX_ID = 2**63 - 1


def bounded_int(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number typed or sent by a user, or None when it is not one or falls outside the range."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 20 or not text.lstrip("-").isdigit():
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


# --- SNILS (insurance number of an individual ledger account) ---------------------------------------
def snils_checksum(first_nine: str) -> int:
    """Control number of a SNILS: weights 9..1 over the first nine digits, reduced modulo 101."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def normalise_snils(value: str) -> str:
    """Return the 11 digits of a SNILS written in any format, or raise ValidationError."""
    number = digits(value)
    if len(number) != 11:
        raise ValidationError(_("SNILS must have 11 digits, e.g. 112-233-445 95."), code="snils_length")
    # Numbers up to 001-001-998 were issued before the checksum existed.
    if int(number[:9]) > 1001998 and snils_checksum(number[:9]) != int(number[9:]):
        raise ValidationError(
            _("This SNILS is not valid: its check digits do not match. Please check the number."),
            code="snils_checksum",
        )
    return number


def format_snils(number: str) -> str:
    if len(number) != 11:
        return number
    return f"{number[0:3]}-{number[3:6]}-{number[6:9]} {number[9:11]}"


# --- OMS policy (compulsory medical insurance, unified 16-digit number) -----------------------------
def oms_check_digit(first_fifteen: str) -> int:
    """Check digit of a unified OMS policy number (FFOMS's Mod10 scheme, as in HL7 v2).

    Reading from the right: the digits in odd positions, in that order, form a number that is doubled;
    the digits in even positions, in that order, are written in front of it; the check digit tops the
    sum of all digits of the result up to a multiple of ten.
    """
    reversed_digits = first_fifteen[::-1]
    odd = reversed_digits[0::2]
    even = reversed_digits[1::2]
    combined = even + str(int(odd or "0") * 2)
    total = sum(int(d) for d in combined)
    return (10 - total % 10) % 10


def normalise_oms(value: str) -> str:
    number = digits(value)
    if len(number) != 16:
        raise ValidationError(_("An OMS policy number has 16 digits."), code="oms_length")
    if oms_check_digit(number[:15]) != int(number[15]):
        raise ValidationError(
            _("This OMS policy number is not valid: its check digit does not match."), code="oms_checksum"
        )
    return number


# --- Phones --------------------------------------------------------------------------------------
def normalise_phone(value: str, region: str = "RU") -> str:
    """Return a phone in E.164 (+79161234567) from any common way of writing it.

    Accepts +7 and 8 prefixes, spaces, brackets and dashes: ``8 (916) 123-45-67``.
    """
    raw = (value or "").strip()
    if not digits(raw):
        raise ValidationError(_("Enter a phone number, e.g. +7 916 123-45-67."), code="phone_empty")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This does not look like a phone number."), code="phone_parse") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This phone number is not valid. Check the number of digits and the code."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(value: str) -> str | None:
    try:
        return normalise_phone(value)
    except ValidationError:
        return None


def format_phone(e164: str) -> str:
    """Show a stored phone the way Russian callers read it: +7 916 123-45-67."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- Names ---------------------------------------------------------------------------------------
def fold_name(value: str) -> str:
    """Lower-case, ё→е and single spaces: the form names are searched in."""
    return " ".join((value or "").lower().replace("ё", "е").split())


# Characters no name, address or note needs, and that make two equal-looking texts differ: control
# characters (NUL, escape…; line breaks only where a text may have lines), and the invisible "format"
# characters — zero-width spaces and joiners, bidirectional overrides, the byte-order mark.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_LINE_BREAKS = frozenset("\n\r\t")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` in Unicode NFC, or ValidationError if it holds control or invisible characters."""
    text = unicodedata.normalize("NFC", value or "")
    allowed = _LINE_BREAKS if multiline else frozenset()
    if any(unicodedata.category(ch) in _INVISIBLE and ch not in allowed for ch in text):
        raise ValidationError(
            _("Remove the invisible or control characters (they may come from copying the text)."),
            code="invisible_characters",
        )
    return text


def clean_field(value: str, field: str, *, required: bool = False, limit: int = 300, multiline: bool = False) -> str:
    """One text field of a service's input: ``clean_text``, runs of spaces made one (line breaks kept when
    ``multiline``), then required and at most ``limit`` characters; ValidationError per field otherwise."""
    try:
        cleaned = clean_text(value or "", multiline=multiline)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    text = cleaned.strip() if multiline else " ".join(cleaned.split())
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text

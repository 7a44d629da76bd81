"""Forms of the field worker's task page: start, done (with a note, money and receipt), could not be done."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from core.validators import MAX_ID

RECEIPT_EXTENSIONS = ["jpg", "jpeg", "png", "heic", "webp", "pdf"]
RECEIPT_MAX_BYTES = 15 * 1024 * 1024
AMOUNT = re.compile(r"-?(\d+(\.\d{0,2})?|\.\d{1,2})")
MONEY_MAX = Decimal("9999999.99")  # Assignment.money_spent: max_digits=9, decimal_places=2


def parse_money(raw: str) -> Decimal:
    """An amount in roubles as people type it: "412,50", "412.50", "1 234,5", "412 ₽".

    Comma and dot are both decimal separators (Russian users type commas); spaces group thousands.
    Raises ValueError when the text is not one amount with at most two decimals.
    """
    text = re.sub(r"[\s\u00a0\u202f]", "", raw).removesuffix("₽").removesuffix("руб.").removesuffix("р.")
    match = AMOUNT.fullmatch(text.replace(",", "."))
    if match is None:
        raise ValueError(raw)
    return Decimal(match.group(0))


class MoneyField(forms.CharField):
    """A non-negative amount in roubles; accepts a decimal comma or dot whatever the interface language."""

    default_error_messages = {
        "invalid": _("Enter an amount in roubles, e.g. 412,50."),
        "negative": _("The amount cannot be negative."),
        "too_large": _("The amount is too large."),
    }

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})
        return attrs

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(super().to_python(value) or "")
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            amount = parse_money(text)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if amount < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if amount > MONEY_MAX:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount


class VersionForm(forms.Form):
    """The version of the request the worker saw; a stale one is refused by the service."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)


class StartForm(VersionForm):
    """Starting a task needs the version the worker saw; one planned for a later day, a yes to "start now?"."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DoneForm(VersionForm):
    note = forms.CharField(
        label=_("Note for the dispatcher (optional)"),
        required=False,
        max_length=300,  # Assignment.reason and Transition.reason, where the service keeps it
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    money_spent = MoneyField(label=_("Money spent, ₽"), required=False)
    receipt = forms.FileField(
        label=_("Photo of the receipt"),
        required=False,
        validators=[FileExtensionValidator(RECEIPT_EXTENSIONS)],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
    field_order = ["money_spent", "receipt", "note"]

    def __init__(self, *args: Any, handles_money: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handles_money = handles_money
        if handles_money:
            self.fields["money_spent"].required = True
            self.fields["receipt"].required = True
            self.fields["money_spent"].error_messages["required"] = _("Enter how much money was spent.")
            self.fields["receipt"].error_messages["required"] = _("Attach a photo of the receipt.")
        else:
            del self.fields["money_spent"]
            del self.fields["receipt"]

    def clean_note(self) -> str:
        note: str = self.cleaned_data.get("note") or ""
        return note.strip()

    def clean_receipt(self) -> Any:
        receipt = self.cleaned_data.get("receipt")
        if receipt and receipt.size > RECEIPT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large: at most 15 MB."))
        return receipt


class FailedForm(VersionForm):
    reason = forms.CharField(
        label=_("Why could it not be done?"),
        max_length=300,
        error_messages={"required": _("Say why the task could not be done.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the task could not be done."))
        return reason

"""Forms of the account pages: one-time codes, and the password-reset e-mail sent through the outbox."""

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from notify import services as notify


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        error_messages={"required": _("Enter the code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 10}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not code.isalnum() or not code.isascii():
            raise forms.ValidationError(_("A code is made of digits and Latin letters only."), code="invalid")
        return code.lower()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the letter goes through the outbox: it is sent, and retried, like every
    other message, and commits or rolls back with the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        # related: the outbox page shows no text of a message about an account (it holds the link).
        notify.send(channel="email", recipient=to_email, subject=subject, body=body, related=context["user"])

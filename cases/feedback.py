"""How the case pages tell the user what went wrong: a service's refusal or a form's problems, as messages
on the page the user is sent back to."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from core.exceptions import ConcurrentEditError, ValidationError


def report(request: HttpRequest, error: ValidationError | ConcurrentEditError) -> None:
    """A refusal of a service (per field or for the whole action) or a stale edit."""
    if isinstance(error, ConcurrentEditError):
        messages.error(request, str(error.message))
        return
    for problems in error.message_dict.values():
        for problem in problems:
            messages.error(request, problem)


def report_form(request: HttpRequest, form: forms.Form) -> None:
    """What a form found wrong with its input."""
    for problems in form.errors.values():
        for problem in problems:
            messages.error(request, str(problem))


def act(
    request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], str], back: HttpResponse
) -> HttpResponse:
    """The shape of a page's POST: a form that does not parse, a service's refusal or a stale version
    reported as messages; else ``action`` (given the form's cleaned data) done, and the message it returns
    shown. The user goes ``back`` either way."""
    if not form.is_valid():
        report_form(request, form)
        return back
    try:
        done = action(form.cleaned_data)
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, done)
    return back

"""The patient's card: a small printable card (A6, or four on an A4 sheet with cut marks) with the personal
assistant's name, direct phone and hours, the psychological hotlines for people with cancer, and a QR code
that dials the assistant. Rendered in Russian by WeasyPrint from an HTML template (as the printed route of
help is: DejaVu Sans embedded, a URL fetcher that reads only the font files)."""

import functools
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from cases.printing import FONT_DIR, local_files_only
from core.validators import format_phone, try_normalise_phone
from navigation.models import AssistantCapacity, Journey

# The psychological help the card names (the city's lines, from the programme's own announcements).
ONCO_HOTLINE = "+7 (495) 587-00-51"
EMERGENCY_LINE = "051"
EMERGENCY_LINE_MOBILE = "+7 (495) 051"
SIZES = ("a6", "a4")


@functools.lru_cache(maxsize=256)
def qr_svg(phone: str) -> SafeString:
    """An inline SVG QR code of ``tel:<phone>`` (E.164), no image files."""
    svg = segno.make(f"tel:{phone}", error="m").svg_inline(scale=3, dark="#000", light=None)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of a phone number we normalised


def card_context(journey: Journey) -> dict[str, Any]:
    assistant = journey.assistant
    worker = getattr(assistant, "worker", None)
    phone = try_normalise_phone(worker.public_phone) if worker is not None and worker.public_phone else None
    capacity = AssistantCapacity.objects.filter(assistant=assistant).first()
    name = worker.full_name if worker is not None and worker.full_name else assistant.get_full_name()
    return {
        "journey": journey,
        "person": journey.case.person,
        "assistant_name": name,
        "assistant_phone": format_phone(phone) if phone else "",
        "qr": qr_svg(phone) if phone else "",
        "hours": capacity.hours if capacity is not None else "",
        "onco_hotline": ONCO_HOTLINE,
        "emergency_line": EMERGENCY_LINE,
        "emergency_line_mobile": EMERGENCY_LINE_MOBILE,
        "font_dir": FONT_DIR.as_uri(),
        "printed_on": timezone.localdate(),
    }


def card_pdf(journey: Journey, size: str = "a6") -> bytes:
    from weasyprint import HTML  # imported on the first print (it and Pango take ~0.7 s to load)

    context = card_context(journey)
    context["size"] = size if size in SIZES else "a6"
    context["copies"] = range(4 if context["size"] == "a4" else 1)
    with translation.override("ru"):
        html = render_to_string("navigation/card_pdf.html", context)
    pdf: bytes = HTML(string=html, url_fetcher=local_files_only()).write_pdf()
    return pdf

"""The route of help printed for the patient: an HTML template rendered to PDF by WeasyPrint.

The page is for the patient, not the coordinator: plain words, large type, who to call. It is always
rendered in Russian (the patient's language, whatever the coordinator's interface says). WeasyPrint
fetches nothing but the font files: its URL fetcher refuses the network and every other file.
"""

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from assistance.reference import serving_tcso
from cases.models import Case, Responsible, RouteStep
from core.validators import format_phone

# Debian's fonts-dejavu-core: DejaVu Sans has every Cyrillic letter (PDF core fonts have none).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# A step's state and who does it as the patient would say them (the coordinator's words are
# RouteStep.Status and Responsible). The context keeps them apart from the same English words elsewhere
# (a literal in each call, so that makemessages finds it).
STATE_WORDS: dict[str, Promise] = {
    RouteStep.Status.PLANNED: pgettext_lazy("printed route", "not started yet"),
    RouteStep.Status.IN_PROGRESS: pgettext_lazy("printed route", "being done now"),
    RouteStep.Status.DONE: pgettext_lazy("printed route", "done"),
    RouteStep.Status.NOT_NEEDED: pgettext_lazy("printed route", "no longer needed"),
    RouteStep.Status.FAILED: pgettext_lazy(
        "printed route", "did not work out: your coordinator will tell you what next"
    ),
}

WHO_WORDS: dict[str, Promise] = {
    Responsible.COORDINATOR: pgettext_lazy("printed route", "your social coordinator"),
    Responsible.PSYCHOLOGIST: pgettext_lazy("printed route", "a psychologist"),
    Responsible.TCSO: pgettext_lazy("printed route", "the social service centre of your district"),
}


def check_local_file(url: str, roots: tuple[Path, ...] = (FONT_DIR,)) -> Path:
    """The file ``url`` names, if it is a local file under one of ``roots``; ValueError for anything else
    (the network, data: URLs, another file of the machine)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"only local files may be fetched, not {url[:100]}")
    path = Path(url2pathname(parts.path)).resolve()
    if not any(path.is_relative_to(root.resolve()) for root in roots):
        raise ValueError(f"{path} is outside the folders the PDF may read")
    return path


@functools.cache
def _local_fetcher_class() -> type:
    # WeasyPrint is imported on the first print, not at start-up: loading it (and Pango) takes ~0.7 s,
    # which every worker and command would pay.
    from weasyprint.urls import URLFetcher

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            check_local_file(url)
            return super().fetch(url, headers)

    return LocalFilesOnly


def local_files_only() -> Any:
    """WeasyPrint's URL fetcher, restricted to the font files (``check_local_file``)."""
    return _local_fetcher_class()(allowed_protocols=("file",), allow_redirects=False)


@dataclass(frozen=True)
class PrintedStep:
    number: int
    title: str
    who: str
    due_on: datetime.date | None
    state: str
    finished: bool


def _staff_name(user: Any) -> str:
    worker = getattr(user, "worker", None)
    if worker is not None and worker.full_name:
        return str(worker.full_name)
    return str(user.get_full_name() or user.get_username())


def route_context(case: Case, today: datetime.date | None = None) -> dict[str, Any]:
    """What the printed route shows, in the patient's words."""
    coordinator = case.coordinator
    worker = getattr(coordinator, "worker", None) if coordinator is not None else None
    coordinator_phone = worker.public_phone if worker is not None else ""
    tcso = serving_tcso(case.person.district_id) if case.person.district_id else None
    steps = []
    for number, step in enumerate(case.steps.order_by("position", "pk"), start=1):
        # The coordinator is named once, at the top; the TCSO by name where the district has one.
        who = str(WHO_WORDS.get(step.responsible, step.get_responsible_display()))
        if step.responsible == Responsible.TCSO and tcso is not None:
            who = f"{who}: {tcso}"
        steps.append(
            PrintedStep(
                number=number,
                title=step.title,
                who=who,
                due_on=step.due_on,
                state=str(STATE_WORDS.get(step.status, step.get_status_display())),
                finished=step.is_finished,
            )
        )
    return {
        "case": case,
        "person": case.person,
        "hospital": case.organisation,
        "hospital_phone": format_phone(case.organisation.phone) if case.organisation.phone else "",
        "stay": getattr(case, "stay", None),
        "coordinator_name": _staff_name(coordinator) if coordinator is not None else "",
        "coordinator_phone": format_phone(coordinator_phone) if coordinator_phone else "",
        "tcso": tcso,
        "tcso_phone": format_phone(tcso.phone) if tcso is not None and tcso.phone else "",
        "steps": steps,
        "today": today or timezone.localdate(),
        "font_dir": FONT_DIR.as_uri(),
    }


def route_pdf(case: Case, today: datetime.date | None = None) -> bytes:
    """The case's route of help as an A4 PDF for the patient, in Russian."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("cases/route_pdf.html", route_context(case, today))
    from weasyprint import HTML  # see _local_fetcher_class

    pdf: bytes = HTML(string=html, url_fetcher=local_files_only()).write_pdf()
    return pdf

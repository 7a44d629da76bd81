"""The printable route of help: what the patient reads in the PDF, who may print it, and the journal."""

import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from cases import services
from cases.models import RouteStep
from cases.printing import FONT_DIR, check_local_file, local_files_only, route_pdf
from cases.tests.conftest import open_case
from core.actor import Actor
from directory.models import Worker

# poppler-utils (pdftotext, pdffonts) reads the PDFs back; `make test` installs it (scripts/system_packages.sh).
pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    """The text a reader gets from the PDF, as poppler extracts it, in reading order; a table cell's
    lines wrap, so every run of white space becomes one space."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


@pytest.fixture
def routed(ward):
    """An open case with three steps: one done, one in progress, one planned for the TCSO."""
    Worker.objects.filter(user=ward.coordinator).update(surname="Иванова", public_phone="+74951234567")
    case = open_case(ward, expected_discharge_on=timezone.localdate() + datetime.timedelta(days=10))
    today = timezone.localdate()
    steps = services.add_steps(
        actor=Actor(ward.coordinator),
        case=case,
        steps=[
            services.NewStep(title="Восстановить паспорт", kind="documents", due_on=today + datetime.timedelta(days=3)),
            services.NewStep(title="Связаться с дочерью", kind="relatives", due_on=today + datetime.timedelta(days=1)),
            services.NewStep(
                title="Социальное обслуживание на дому",
                kind="home_care",
                responsible="tcso",
                due_on=today + datetime.timedelta(days=9),
            ),
        ],
    )
    services.move_step(actor=Actor(ward.coordinator), step=steps[0], to="done", expected_version=1)
    services.move_step(actor=Actor(ward.coordinator), step=steps[1], to="in_progress", expected_version=1)
    return case


def test_the_pdf_names_the_patient_each_step_and_its_due_date(client, ward, routed):
    client.force_login(ward.coordinator)
    response = client.get(reverse("cases:route_pdf", args=[routed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="route-{routed.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "Соколова Мария Петровна" in text
    assert "ГКБ № 1" in text and "Терапия" in text
    assert "Иванова Татьяна" in text and "+7 495 123-45-67" in text
    for step in RouteStep.objects.filter(case=routed):
        assert step.title in text
        assert step.due_on.strftime("%d.%m.%Y") in text
    assert (timezone.localdate() + datetime.timedelta(days=10)).strftime("%d.%m.%Y") in text  # the discharge
    assert "8 (495) 870-45-09" in text  # the city's call centre


def test_the_steps_are_printed_in_the_order_of_the_route(client, ward, routed):
    client.force_login(ward.coordinator)
    text = pdf_text(client.get(reverse("cases:route_pdf", args=[routed.pk])).content)
    positions = [text.index(title) for title in ("Восстановить паспорт", "Связаться с дочерью", "Социальное")]
    assert positions == sorted(positions)


def test_the_font_is_embedded(ward, routed, tmp_path):
    (tmp_path / "route.pdf").write_bytes(route_pdf(routed))
    done = subprocess.run(["pdffonts", tmp_path / "route.pdf"], capture_output=True, check=True)
    fonts = done.stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all("DejaVu" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows)  # the "emb" column: every font is embedded


def test_printing_is_journaled_as_an_export_of_the_patients_data(client, ward, routed):
    client.force_login(ward.hospital_supervisor)
    client.get(reverse("cases:route_pdf", args=[routed.pk]))
    entry = AuditEvent.objects.get(action=Action.EXPORT)
    assert (entry.object_type, entry.object_id, entry.person_id) == ("cases.case", str(routed.pk), ward.patient.pk)
    assert entry.actor_id == ward.hospital_supervisor.pk
    assert entry.details == {"document": "route_pdf"}


def test_another_hospitals_coordinator_gets_not_found_and_nothing_is_journaled(client, ward, routed):
    client.force_login(ward.stranger)
    assert client.get(reverse("cases:route_pdf", args=[routed.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_a_dispatcher_is_refused(client, ward, routed, make_user):
    client.force_login(make_user("dispatcher"))
    assert client.get(reverse("cases:route_pdf", args=[routed.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_the_case_page_links_to_the_printable_route(client, ward, routed):
    client.force_login(ward.coordinator)
    html = client.get(reverse("cases:detail", args=[routed.pk])).content.decode()
    assert f'href="{reverse("cases:route_pdf", args=[routed.pk])}"' in html


def test_a_route_with_no_steps_and_no_phones_still_prints(client, ward):
    case = open_case(ward, emergency_not_admitted=True, admitted_on=None)
    client.force_login(ward.coordinator)
    text = pdf_text(client.get(reverse("cases:route_pdf", args=[case.pk])).content)
    assert "Соколова Мария Петровна" in text and "8 (495) 870-45-09" in text


# --- the URL fetcher -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x.css",
        "https://example.org/font.ttf",
        "data:text/css,body{}",
        "file:///etc/passwd",
        f"file://{FONT_DIR}/../../../../etc/passwd",
        "file://evil.example/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ],
)
def test_the_url_fetcher_refuses_everything_but_the_font_files(url):
    with pytest.raises(ValueError):
        check_local_file(url)
    with pytest.raises(ValueError):
        local_files_only().fetch(url)


def test_the_url_fetcher_reads_the_font(db):
    response = local_files_only().fetch((FONT_DIR / "DejaVuSans.ttf").as_uri())
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    finally:
        response.close()


def test_a_patient_supplied_link_in_a_step_title_is_printed_as_text(client, ward):
    case = open_case(ward)
    title = '<img src="http://127.0.0.1:1/track.png"> Справка'
    services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title=title)])
    client.force_login(ward.coordinator)
    assert "Справка" in pdf_text(client.get(reverse("cases:route_pdf", args=[case.pk])).content)

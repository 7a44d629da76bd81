import csv
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import DiagnosisCode
from directory.reference import (
    DIAGNOSIS_CODES_CSV,
    DiagnosisRow,
    LoadResult,
    load_diagnosis_codes,
    read_diagnosis_codes,
)
from directory.selectors import find_diagnosis_codes

CODES_CSV = Path(settings.BASE_DIR) / DIAGNOSIS_CODES_CSV


def _codes(letter: str, first: int, last: int) -> set[str]:
    return {f"{letter}{number:02d}" for number in range(first, last + 1)}


# The 3-character categories of chapter II of ICD-10, written out apart from the data file. The gaps are
# the classification's own: there are no C27-C29, C35-C36, C42, C59, C87, C89 or D08.
CHAPTER_II_CATEGORIES = (
    _codes("C", 0, 26)  # lip, oral cavity, pharynx; digestive organs
    | _codes("C", 30, 34)  # respiratory organs
    | _codes("C", 37, 41)  # thymus, heart, mediastinum, pleura; bone and cartilage
    | _codes("C", 43, 58)  # skin, mesothelial and soft tissue, breast, female genital organs
    | _codes("C", 60, 86)  # male genital and urinary organs, eye, brain, endocrine, ill-defined, lymphoid
    | {"C88"}
    | _codes("C", 90, 97)
    | _codes("D", 0, 7)  # in situ
    | {"D09"}
    | _codes("D", 10, 36)  # benign
    | _codes("D", 37, 48)  # uncertain or unknown behaviour
)


def file_rows() -> list[dict[str, str]]:
    with CODES_CSV.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def names() -> dict[str, str]:
    return {row["code"]: row["name"] for row in file_rows()}


def load(rows: list[DiagnosisRow] | None = None) -> LoadResult:
    result = LoadResult()
    load_diagnosis_codes(rows if rows is not None else read_diagnosis_codes(CODES_CSV), result)
    return result


def snapshot() -> list[tuple[object, ...]]:
    fields = ("pk", "code", "name", "name_folded", "parent__code", "block_code", "is_active")
    return list(DiagnosisCode.objects.order_by("code").values_list(*fields))


# --- the data file -------------------------------------------------------------------------------------


def test_file_lists_every_category_of_chapter_ii_and_nothing_else() -> None:
    categories = [row["code"] for row in file_rows() if not row["parent"]]

    assert len(CHAPTER_II_CATEGORIES) == 137
    assert sorted(categories) == sorted(CHAPTER_II_CATEGORIES)


def test_every_subcategory_sits_under_a_category_of_the_file() -> None:
    rows = file_rows()
    categories = {row["code"] for row in rows if not row["parent"]}
    subcategories = [row for row in rows if row["parent"]]

    assert len(subcategories) == 737
    for row in subcategories:
        assert row["parent"] in categories
        assert row["code"][:3] == row["parent"]
        assert len(row["code"]) == 5
        assert row["code"][3] == "."
    codes = [row["code"] for row in rows]
    assert len(set(codes)) == len(codes) == 874


def test_file_has_the_russian_names() -> None:
    known = names()

    assert known["C34"] == "Злокачественное новообразование бронхов и легкого"
    # The register of the Ministry of Health says "ткани молочной железы"; the printed edition, "молочной железы".
    assert known["C50"] == "Злокачественное новообразование ткани молочной железы"
    assert known["C50.4"] == "Злокачественное новообразование верхненаружного квадранта молочной железы"
    assert known["C16"] == "Злокачественное новообразование желудка"
    assert known["C16.0"] == "Злокачественное новообразование кардии"
    assert known["C61"] == "Злокачественное новообразование предстательной железы"
    assert known["D05"] == "Карцинома in situ молочной железы"
    assert known["D05.1"] == "Внутрипротоковая карцинома in situ молочной железы"
    assert known["D25"] == "Лейомиома матки"
    assert known["D48.9"] == "Новообразование неопределенного или неизвестного характера неуточненное"


def test_codes_no_longer_current_are_left_out_of_the_file() -> None:
    known = names()

    for retired in ("C14.1", "C83.2", "C85.0", "D46.3"):
        assert retired not in known


def test_each_code_has_the_smallest_block_it_belongs_to() -> None:
    blocks = {row["code"]: row["block"] for row in file_rows()}

    assert blocks["C00"] == blocks["C14.8"] == "C00-C14"
    assert blocks["C50"] == blocks["C50.4"] == "C50-C50"
    assert blocks["C81.1"] == "C81-C96"
    assert blocks["D05"] == "D00-D09"
    assert blocks["D25.0"] == "D10-D36"
    assert blocks["D48"] == "D37-D48"


# --- loading ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_reference_loads_every_code_with_its_category_and_block() -> None:
    out = StringIO()
    call_command("load_reference", stdout=out)

    assert DiagnosisCode.objects.filter(is_active=True).count() == 874
    assert DiagnosisCode.objects.filter(parent=None).count() == 137
    subcategory = DiagnosisCode.objects.get(code="C50.4")
    assert subcategory.parent is not None
    assert subcategory.parent.code == "C50"
    assert subcategory.block_code == "C50-C50"
    assert subcategory.name_folded == "злокачественное новообразование верхненаружного квадранта молочной железы"
    assert set(DiagnosisCode.objects.get(code="D05").subcategories.values_list("code", flat=True)) == {
        "D05.0",
        "D05.1",
        "D05.7",
        "D05.9",
    }
    assert "874 diagnosis codes" in out.getvalue()


@pytest.mark.django_db
def test_loading_twice_writes_nothing() -> None:
    first = load()
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        second = load()

    assert first.created == {"diagnosis codes": 874}
    assert second.created == {"diagnosis codes": 0}
    assert snapshot() == before
    assert [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []


@pytest.mark.django_db
def test_a_code_dropped_from_the_file_is_deactivated_not_deleted() -> None:
    rows = read_diagnosis_codes(CODES_CSV)
    load(rows)

    load([row for row in rows if row.code != "C50.4"])

    dropped = DiagnosisCode.objects.get(code="C50.4")
    assert dropped.is_active is False
    assert DiagnosisCode.objects.filter(is_active=True).count() == 873
    assert [c.code for c in find_diagnosis_codes("C50.4")] == []


@pytest.mark.django_db
def test_a_code_listed_again_is_active_again() -> None:
    rows = read_diagnosis_codes(CODES_CSV)
    load([row for row in rows if row.code != "C50.4"])
    DiagnosisCode.objects.create(code="C50.4", name="Старое название", is_active=False)

    load(rows)

    code = DiagnosisCode.objects.get(code="C50.4")
    assert code.is_active is True
    assert code.name == "Злокачественное новообразование верхненаружного квадранта молочной железы"
    assert code.parent == DiagnosisCode.objects.get(code="C50")


@pytest.mark.django_db
def test_a_code_added_by_hand_outside_the_file_is_deactivated_by_load_reference() -> None:
    DiagnosisCode.objects.create(code="C99", name="Код, которого нет в МКБ-10")

    call_command("load_reference", stdout=StringIO())

    assert DiagnosisCode.objects.get(code="C99").is_active is False


@pytest.mark.django_db
def test_a_changed_name_is_put_back_to_the_file_on_the_next_load() -> None:
    load()
    DiagnosisCode.objects.filter(code="C34").update(name="Рак лёгкого", name_folded="рак легкого")

    load()

    code = DiagnosisCode.objects.get(code="C34")
    assert code.name == "Злокачественное новообразование бронхов и легкого"
    assert code.name_folded == "злокачественное новообразование бронхов и легкого"


@pytest.mark.django_db
def test_saving_a_code_keeps_its_search_column_in_step() -> None:
    code = DiagnosisCode.objects.create(code="C50", name="Злокачественное новообразование молочной железы")
    code.name = "Новообразование Лёгкого"
    code.save(update_fields=["name"])

    code.refresh_from_db()
    assert code.name_folded == "новообразование легкого"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("C50.4,Имя,C50,C50-C50\n", "no category for C50.4"),
        ("C50,Имя,,C50-C50\nC50,Имя,,C50-C50\n", "C50 repeats"),
        ("C50.4,Имя,C51,C50-C50\n", "line 2"),
        ("C50,Имя,,C50-C50\nC50.4,Имя,C50,C50-C50\nC50.4,Имя,C50,C50-C50\n", "C50.4 repeats"),
        ("C50,,,C50-C50\n", "no name"),
        ("C50,Имя,,C50\n", "not like C00-C14"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,name,parent,block\n" + content, encoding="utf-8")

    with pytest.raises(ValueError, match=problem):
        read_diagnosis_codes(path)


@pytest.mark.django_db
def test_administrators_search_codes_in_the_admin_in_any_case_and_cannot_delete_them(
    client: Client, make_user: Callable[..., User]
) -> None:
    call_command("load_reference", stdout=StringIO())
    client.force_login(make_user("administrator"))
    changelist = reverse("admin:directory_diagnosiscode_changelist")

    by_name = client.get(changelist, {"q": "ВЕРХНЕНАРУЖНОГО Молочной"}).content.decode()
    by_code = client.get(changelist, {"q": "d05.1"}).content.decode()

    assert "C50.4" in by_name
    assert "C50.5" not in by_name
    assert "D05.1" in by_code
    code = DiagnosisCode.objects.get(code="C50.4")
    assert client.get(reverse("admin:directory_diagnosiscode_delete", args=[code.pk])).status_code == 403


# --- search -------------------------------------------------------------------------------------------


@pytest.fixture
def loaded(db: None) -> None:
    load()


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("query", ["c5", "C5", " c5 "])
def test_a_code_prefix_finds_the_codes_that_start_with_it_in_code_order(query: str) -> None:
    found = [c.code for c in find_diagnosis_codes(query)]

    assert found[:4] == ["C50", "C50.0", "C50.1", "C50.2"]
    assert len(found) == 20
    assert all(code.startswith("C5") for code in found)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("query", ["c50.4", "C50.4", "c504"])
def test_a_full_subcategory_finds_it(query: str) -> None:
    assert [c.code for c in find_diagnosis_codes(query)] == ["C50.4"]


@pytest.mark.usefixtures("loaded")
def test_a_category_with_its_dot_finds_only_its_subcategories() -> None:
    assert [c.code for c in find_diagnosis_codes("d05.")] == ["D05.0", "D05.1", "D05.7", "D05.9"]


@pytest.mark.usefixtures("loaded")
def test_a_code_typed_in_the_russian_layout_is_understood() -> None:
    assert [c.code for c in find_diagnosis_codes("с50.4")] == ["C50.4"]  # Cyrillic "с"
    assert [c.code for c in find_diagnosis_codes("в05.1")] == ["D05.1"]  # the D key types "в"


@pytest.mark.usefixtures("loaded")
def test_a_word_in_any_case_finds_the_names_that_hold_it() -> None:
    found = find_diagnosis_codes("МоЛоЧНОЙ", limit=100)

    codes = [c.code for c in found]
    assert {"C50", "C50.4", "D05", "D05.1", "D24"} <= set(codes)
    assert codes == sorted(codes)
    assert all("молочной" in c.name.lower() for c in found)


@pytest.mark.usefixtures("loaded")
def test_e_with_diaeresis_matches_e() -> None:
    codes = [c.code for c in find_diagnosis_codes("бронхов лёгкого")]

    assert codes[0] == "C34"
    assert "C34.1" in codes


@pytest.mark.usefixtures("loaded")
def test_every_word_must_be_in_the_name() -> None:
    codes = [c.code for c in find_diagnosis_codes("in situ молочной")]

    assert codes == ["D05", "D05.0", "D05.1", "D05.7", "D05.9"]


@pytest.mark.usefixtures("loaded")
def test_codes_come_before_names() -> None:
    DiagnosisCode.objects.create(code="A00", name="Код, в названии которого написано c50")

    codes = [c.code for c in find_diagnosis_codes("c50", limit=11)]

    assert codes == ["C50", *(f"C50.{n}" for n in (0, 1, 2, 3, 4, 5, 6, 8, 9)), "A00"]


@pytest.mark.usefixtures("loaded")
def test_inactive_codes_and_empty_queries_find_nothing() -> None:
    DiagnosisCode.objects.filter(code__startswith="C34").update(is_active=False)

    assert find_diagnosis_codes("C34") == []
    assert [c.code for c in find_diagnosis_codes("бронхов легкого")] == ["D38.1"]
    assert find_diagnosis_codes("   ") == []
    assert len(find_diagnosis_codes("новообразование", limit=5)) == 5

"""The dashboard's export: the figures and tables of the page, read from the very HTML the page shows.

Every panel (reports/figures/) renders its own cards and tables; reading them back from that HTML keeps
the export equal to the page for the same filters, and a new panel is exported without more code.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from openpyxl import Workbook
from openpyxl.styles import Font

Row = list[str]


@dataclass
class Sheet:
    """What the page shows, in reading order: titled blocks of rows (a card is one row: name, figure, note)."""

    blocks: list[tuple[str, list[Row]]] = field(default_factory=list)


class _Reader(HTMLParser):
    """Collects the cards (``article``: header, ``.figure``, footer) and the tables under their ``h2``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sheet = Sheet()
        self.cards: list[Row] = []
        self.heading = ""
        self.text: list[str] | None = None  # the text being collected (a heading, a card part, a cell)
        self.card: Row | None = None
        self.rows: list[Row] | None = None
        self.row: Row | None = None
        self.in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self.in_h2, self.text = True, []
        elif tag == "article":
            self.card = []
        elif self.card is not None and tag in ("header", "p", "footer"):
            self.text = []
        elif tag == "table":
            self.rows = []
        elif self.rows is not None and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("td", "th"):
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self.in_h2:
            self.heading, self.in_h2, self.text = _clean(self.text), False, None
        elif tag == "article" and self.card is not None:
            self.cards.append(self.card)
            self.card = None
        elif self.card is not None and tag in ("header", "p", "footer") and self.text is not None:
            self.card.append(_clean(self.text))
            self.text = None
        elif tag == "table" and self.rows is not None:
            self.sheet.blocks.append((self.heading, self.rows))
            self.rows = None
        elif tag == "tr" and self.row is not None and self.rows is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.row is not None and self.text is not None:
            self.row.append(_clean(self.text))
            self.text = None

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)


def _clean(parts: list[str] | None) -> str:
    return " ".join("".join(parts or []).split())


def read(html: str, figures_title: str) -> Sheet:
    """The cards (as one block titled ``figures_title``) and then every table of the rendered panels."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Sheet([(figures_title, reader.cards), *reader.sheet.blocks])


_INT = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+[.,]\d+")


def _value(text: str) -> str | int | float:
    """A cell that is a plain number becomes a number in Excel; anything else stays text."""
    if _INT.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text.replace(",", "."))
    return text


def to_csv(heading: list[Row], sheet: Sheet) -> bytes:
    """Semicolon-separated, UTF-8 with a BOM: what a Russian Excel opens as it is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(heading)
    for title, rows in sheet.blocks:
        writer.writerow([])
        writer.writerow([title])
        writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(heading: list[Row], sheet: Sheet, sheet_title: str) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet_title[:31]
    bold = Font(bold=True)
    for row in heading:
        ws.append(row)
    ws.cell(row=1, column=1).font = bold
    for title, rows in sheet.blocks:
        ws.append([])
        ws.append([title])
        ws.cell(row=ws.max_row, column=1).font = bold
        for row in rows:
            ws.append([_value(cell) for cell in row])
    ws.column_dimensions["A"].width = 48
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

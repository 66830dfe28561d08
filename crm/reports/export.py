"""A report table as CSV, XLSX (openpyxl) or PDF (fpdf2): a title, column names, rows."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from errors import ValidationError

MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list]


def _cell(value: object) -> object:
    return "" if value is None else value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        # A leading = + - @ would run as a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else _cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from crm.services.spreadsheets import write_xlsx

    return write_xlsx([table.columns, *([_cell(v) for v in row] for row in table.rows)],
                      table.title or "Report")


def to_pdf(table: Table) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, _latin(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    with pdf.table() as grid:
        for row in [table.columns, *table.rows]:
            line = grid.row()
            for value in row:
                line.cell(_latin(str(_cell(value))))
    return bytes(pdf.output())


def _latin(text: str) -> str:
    """The core PDF fonts know Latin-1 only; other characters become '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def render(table: Table, fmt: str) -> tuple[bytes, str]:
    """The table in `fmt` (csv, xlsx, pdf) and its media type."""
    writers = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
    if fmt not in writers:
        raise ValidationError.from_fields({"format": "One of csv, xlsx, pdf"})
    return writers[fmt](table), MEDIA[fmt]


def funnel_table(data: dict) -> Table:
    """The funnel answer as rows: the stages, then won and each lost reason."""
    cols = ["Stage", "Name", "Count", "Amount", "Conversion", "Avg days", "Now in stage"]
    rows = [[s["stage"], s["name"], s["count"], s["amount"], s["conversion"], s["avg_days"], s["current"]]
            for s in data["stages"]]
    won = data["won"]
    rows.append(["WON", "Won", won["count"], won["amount"], won["conversion"], None, None])
    rows += [[r["reason"], f"Lost: {r['name']}", r["count"], r["amount"], None, None, None]
             for r in data["lost"]["reasons"]]
    ltd = data["lead_to_deal"]
    rows.append(["LEADS", "Leads converted", ltd["converted"], None, ltd["conversion"], None, ltd["leads"]])
    return Table(f"{data['entity'].capitalize()} funnel", cols, rows)

"""XLSX exports keep text as text: no formulas from data, no characters XML cannot hold."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from crm.services.spreadsheets import write_xlsx


def test_formulas_and_control_characters_stay_harmless_text():
    data = write_xlsx([["title", "n"], ["=HYPERLINK(\"http://x\")", 1], ["a\x14b", 2.5]], "Leads")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [["title", "n"], ['=HYPERLINK("http://x")', 1], ["a\ufffdb", 2.5]]
    assert sheet["A2"].data_type == "s"  # a string, not a formula the spreadsheet would run

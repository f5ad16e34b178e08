"""The dashboard's tables as an XLSX workbook (openpyxl, write-only)."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from .tables import DATE, DATETIME, DAYS, INT, PCT, TEXT, Table

# --- XLSX ----------------------------------------------------------------------------------------

XLSX_FORMATS = {INT: "#,##0", PCT: "0.0%", DAYS: "0.0", DATE: "dd/mm/yyyy", DATETIME: "dd/mm/yyyy hh:mm"}


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == DATETIME and isinstance(value, datetime):
        # Excel has no time zones: write the office's local time, as on the page
        return timezone.localtime(value).replace(tzinfo=None)
    if kind == DATE and isinstance(value, date):
        return value
    if kind in (TEXT,):
        return str(value)
    return value


def tables_xlsx(tables: list[Table], *, heading: str, stream) -> None:
    """Write the tables into one workbook (one sheet each) with openpyxl's write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title = table.sheet_title
        n = 2
        while title in used:
            suffix = f" {n}"
            title = table.sheet_title[: 31 - len(suffix)] + suffix
            n += 1
        used.add(title)
        sheet = workbook.create_sheet(title=title)
        sheet.append([WriteOnlyCell(sheet, value=table.title)])
        sheet.append([heading])
        sheet.append([])
        header = []
        for column in table.columns:
            c = WriteOnlyCell(sheet, value=column.label)
            c.font = bold
            header.append(c)
        sheet.append(header)
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            out = []
            for column, value in zip(table.columns, row, strict=True):
                kind = column.kind if not (row is table.footer and column.kind in (DATE, DATETIME)) else TEXT
                c = WriteOnlyCell(sheet, value=_xlsx_value(value.value, kind))
                if kind in XLSX_FORMATS and value.value is not None and not isinstance(value.value, str):
                    c.number_format = XLSX_FORMATS[kind]
                if row is table.footer:
                    c.font = bold
                out.append(c)
            sheet.append(out)
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    workbook.save(stream)

"""Reading the monthly workbook back in tests: the header row and the village rows of a sheet."""

from __future__ import annotations


def header_row(sheet) -> int:
    """The lowest header row (1-based): the row whose first cell is 单位 / 村."""
    for row in range(1, 10):
        if sheet.cell(row, 1).value in ("单位", "村"):
            return row
    raise AssertionError(f"no header row in {sheet.title}")


def table(sheet) -> tuple[list[str], dict[str, list]]:
    """Headers and rows (by first cell) of a village-row sheet."""
    top = header_row(sheet)
    headers = [c.value for c in sheet[top]]
    rows = {}
    for cells in sheet.iter_rows(min_row=top + 1):
        if cells[0].value is None:
            break
        rows[cells[0].value] = list(cells)
    return headers, rows

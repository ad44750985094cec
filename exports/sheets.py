"""Drawing helpers shared by the workbooks: title block, one- or two-level headers, column widths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exports.styles import Styles, display_width, fit_width, header_lines

TITLE_ROW = 0
SUBTITLE_ROW = 1
HEADER_ROW = 2
LINE_HEIGHT = 13.5


def write_title(
    sheet: Any,
    st: Styles,
    columns: int,
    title: str,
    left: str = "",
    right: str = "",
    widths: Sequence[float] | None = None,
) -> None:
    """Row 0: the title across the table; row 1: a left and a right subtitle (period, unit of count).

    The right subtitle gets as many columns from the right as its text needs (given `widths`)."""
    last = max(columns - 1, 0)
    sheet.set_row(TITLE_ROW, 30)
    if last:
        sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, st.title)
    else:
        sheet.write_string(TITLE_ROW, 0, title, st.title)
    split = _split(last, right, widths)
    if left:
        if split > 0:
            sheet.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, split, left, st.subtitle)
        else:
            sheet.write_string(SUBTITLE_ROW, 0, left, st.subtitle)
    if right and split < last:
        if last - split > 1:
            sheet.merge_range(SUBTITLE_ROW, split + 1, SUBTITLE_ROW, last, right, st.subtitle_right)
        else:
            sheet.write_string(SUBTITLE_ROW, last, right, st.subtitle_right)


def _split(last: int, right: str, widths: Sequence[float] | None) -> int:
    """The last column of the left subtitle: the right one takes enough columns for its text."""
    if not right or last < 1:
        return last
    if widths is None:
        return max(0, last - 2) if last >= 4 else last
    need, col, room = display_width(right) + 1, last, 0.0
    while col > 0 and room < need:
        room += widths[col]
        col -= 1
    return col


def header_width(header: str, minimum: int = 6) -> float:
    """A width for a figure column: headers of up to 6 Chinese characters stay on one line, longer ones
    wrap onto two lines of about half the text each (never a lone character on the second line)."""
    width = display_width(header)
    if width <= 12:
        return float(max(minimum, width + 2))
    return float(-(-width // 4) * 2 + 2)


def write_headers(
    sheet: Any, st: Styles, row: int, headers: Sequence[str], groups: Sequence[str], widths: Sequence[float]
) -> int:
    """Header rows from `row`: an upper row of groups (merged over their columns) when any column has a
    group, then the lowest row with every header text. Returns the first row after the headers."""
    lines = max(header_lines(h, w) for h, w in zip(headers, widths, strict=True))
    if any(groups):
        sheet.set_row(row, LINE_HEIGHT + 6)
        col = 0
        while col < len(headers):
            group = groups[col]
            end = col
            while group and end + 1 < len(headers) and groups[end + 1] == group:
                end += 1
            if not group:
                sheet.write_blank(row, col, None, st.header_top_blank)
            elif end > col:
                sheet.merge_range(row, col, row, end, group, st.group)
            else:
                sheet.write_string(row, col, group, st.group)
            col = end + 1
        row += 1
        for col, (header, group) in enumerate(zip(headers, groups, strict=True)):
            sheet.write_string(row, col, header, st.header if group else st.header_below_blank)
    else:
        for col, header in enumerate(headers):
            sheet.write_string(row, col, header, st.header)
    sheet.set_row(row, LINE_HEIGHT * lines + 6)
    return row + 1


def text_widths(headers: Sequence[str], columns: Sequence[Sequence[object]], maximum: int = 40) -> list[float]:
    """Widths that fit each column's header and its (text) values, capped at `maximum`."""
    return [
        max(fit_width([header], maximum=maximum), fit_width(values, maximum=maximum))
        for header, values in zip(headers, columns, strict=True)
    ]

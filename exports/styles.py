"""Shared workbook look: cell formats, column widths for Chinese text, and print set-up.

xlsxwriter is imported only when a workbook is opened (start-up time matters, design §7); the width
helpers are plain Python.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FONT = "宋体"
TITLE_FONT = "黑体"
FONT_SIZE = 10
PAPER_A4 = 9
#: Maximum column width in characters; longer text wraps.
MAX_WIDTH = 60

_BORDER = {"border": 1}
_FILL_HEADER = "#D9E1F2"
_FILL_TOTAL = "#F2F2F2"
_FILL_FLAG = "#FFC7CE"
_FONT_FLAG = "#9C0006"
_FILL_NEAR = "#FFEB9C"
_FONT_NEAR = "#9C5700"
_FILL_PASS = "#C6EFCE"
_FONT_PASS = "#006100"

#: number formats of figure kinds
NUMBER_FORMATS = {"count": "0", "rate": "0.0%", "ratio": "0.0", "score": "0.0", "text": "@"}


def display_width(text: object) -> int:
    """Width of `text` in character cells: East Asian wide and full-width characters count double."""
    if text is None:
        return 0
    value = str(text)
    if value.isascii():
        return len(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def fit_width(texts: Iterable[object], *, minimum: int = 4, maximum: int = MAX_WIDTH) -> float:
    """A column width (characters) that shows the widest of `texts` (each may hold several lines)."""
    widest = 0
    for text in {str(t) for t in texts if t is not None}:
        for line in text.split("\n") if "\n" in text else (text,):
            widest = max(widest, display_width(line))
    return float(min(maximum, max(minimum, widest + 2)))


def header_lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column of `width` characters."""
    usable = max(2, int(width) - 1)
    return max(1, -(-display_width(text) // usable))


def text_lines(text: str, width: float) -> int:
    """How many lines wrapped `text` needs in a column of `width` characters, erring on the safe side
    (renderers break Latin words whole and fonts differ), so that explicit row heights never clip."""
    usable = max(2.0, width - 1.5)
    return sum(max(1, -(-int(display_width(line) * 1.1 + 0.999) // int(usable))) for line in text.split("\n"))


class Styles:
    """The formats of one workbook, created once."""

    def __init__(self, workbook: Any) -> None:
        add = workbook.add_format
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        self.title = add({**base, "font_name": TITLE_FONT, "font_size": 16, "bold": True, "align": "center"})
        self.subtitle = add({**base, "align": "left"})
        self.subtitle_right = add({**base, "align": "right"})
        header = {**base, **_BORDER, "bold": True, "align": "center", "text_wrap": True, "bg_color": _FILL_HEADER}
        self.header = add(header)
        self.group = add(header)
        # an empty upper header cell above a single-column header: no line between the two rows
        self.header_top_blank = add({**header, "bottom": 0})
        self.header_below_blank = add({**header, "top": 0})
        self.text = add({**base, **_BORDER})
        self.text_wrap = add({**base, **_BORDER, "text_wrap": True, "valign": "top"})
        self.text_center = add({**base, **_BORDER, "align": "center"})
        self.note = add({**base, "text_wrap": True, "valign": "top"})
        self.note_bold = add({**base, "bold": True, "valign": "top", "text_wrap": True})
        self.signature = add({**base, "bold": True})  # one line, running on over the empty cells to its right
        self.note_flag = add({**base, "text_wrap": True, "valign": "top", "font_color": _FONT_FLAG})
        self.date = add({**base, **_BORDER, "num_format": "yyyy-mm-dd", "align": "center"})
        self.datetime = add({**base, **_BORDER, "num_format": "yyyy-mm-dd hh:mm", "align": "center"})
        # cells the user fills in: text format, so Excel keeps a typed date or ID number exactly as typed
        self.blank_input = add({**base, **_BORDER, "text_wrap": True, "bg_color": "#FFFFF0", "num_format": "@"})
        self._figures: dict[tuple[str, str], Any] = {}
        for kind, number_format in NUMBER_FORMATS.items():
            cell = {**base, **_BORDER, "num_format": number_format}
            if kind == "text":
                cell["align"] = "center"
            self._figures[(kind, "")] = add(cell)
            self._figures[(kind, "total")] = add({**cell, "bold": True, "bg_color": _FILL_TOTAL})
            self._figures[(kind, "flag")] = add(
                {**cell, "bg_color": _FILL_FLAG, "font_color": _FONT_FLAG, "bold": True}
            )
            self._figures[(kind, "total_flag")] = add(
                {**cell, "bg_color": _FILL_FLAG, "font_color": _FONT_FLAG, "bold": True}
            )
            self._figures[(kind, "pass")] = add({**cell, "bg_color": _FILL_PASS, "font_color": _FONT_PASS})
            self._figures[(kind, "near")] = add({**cell, "bg_color": _FILL_NEAR, "font_color": _FONT_NEAR})
            self._figures[(kind, "fail")] = add({**cell, "bg_color": _FILL_FLAG, "font_color": _FONT_FLAG})
        self.unit = add({**base, **_BORDER})
        self.unit_total = add({**base, **_BORDER, "bold": True, "align": "center", "bg_color": _FILL_TOTAL})

    def figure(self, kind: str, variant: str = "") -> Any:
        """The format of a figure cell: kind count/rate/ratio/score/text; variant ''/total/flag/total_flag/
        pass/near/fail."""
        return self._figures[(kind, variant)]


def open_workbook(path: Path) -> tuple[Any, Styles]:
    """A new xlsxwriter workbook at `path` with the shared default font, and its formats. Its scratch files
    go to a private folder and its output through a guarded file (:class:`exports.target.WorkbookFiles`)."""
    import xlsxwriter

    from exports.target import WorkbookFiles

    files = WorkbookFiles(path)
    workbook = xlsxwriter.Workbook(
        files.output,
        {
            "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": str(files.scratch),
        },
    )
    workbook.renkou_files = files
    return workbook, Styles(workbook)


def close_workbook(workbook: Any, path: Path) -> None:
    """Write the workbook file (`path` names it in messages); a failure becomes a :class:`StoreError` (a full
    disk says so, with the room needed). No scratch file is left either way."""
    from xlsxwriter.exceptions import XlsxWriterException

    files = workbook.renkou_files
    try:
        workbook.close()
        files.output.close()
    except (OSError, XlsxWriterException) as exc:
        raise files.failure(exc, path) from None
    finally:
        files.finish()


def print_setup(
    sheet: Any,
    *,
    header_rows: tuple[int, int] | None,
    freeze: tuple[int, int] | None,
    footer_left: str = "",
    landscape: bool = True,
) -> None:
    """A4 landscape, one page wide, header rows repeated, frozen panes, page numbers in the footer."""
    sheet.set_paper(PAPER_A4)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    if freeze is not None:
        sheet.freeze_panes(*freeze)
    left = footer_left.replace("&", "&&")
    # a space after the font size code keeps a footer starting with digits from being read as the size
    sheet.set_footer(f"&L&9 {left}&R&9 第 &P 页，共 &N 页")


def set_widths(sheet: Any, widths: Sequence[float], first_col: int = 0) -> None:
    """Set column widths (characters) from `first_col` on."""
    for offset, width in enumerate(widths):
        sheet.set_column(first_col + offset, first_col + offset, width)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    clean = clean[:31]
    candidate, n = clean, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate

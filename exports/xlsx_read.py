"""A small reader of ``.xlsx`` cell values with the standard library (zipfile + ElementTree).

Enough to read a checklist back after Excel, WPS or LibreOffice saved it: sheet names in order, and per
sheet the cell values (shared strings, inline strings, numbers, booleans, formula results). No styles,
no dates (date cells come back as their serial numbers).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from store.errors import StoreError

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REF = re.compile(r"([A-Z]+)(\d+)")

Value = str | float | bool | None
#: (row, column), both 1-based → value
Cells = dict[tuple[int, int], Value]


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _text(node: ET.Element) -> str:
    """The text of a string item: its <t> and rich-text runs, without phonetic (<rPh>) runs."""
    parts = []
    for child in node:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child.findall("m:t", _NS))
    return "".join(parts)


class Workbook:
    """The sheets of an xlsx file, read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
            self._sheets = self._sheet_paths()
            self._strings = self._shared_strings()
        except FileNotFoundError:
            raise StoreError(f"找不到文件 {path}。请检查文件名和路径。") from None
        except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError):
            raise StoreError(
                f"{path} 不是有效的 Excel 工作簿（.xlsx）。请用 Excel 或 WPS 另存为 .xlsx 后重试。"
            ) from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def _xml(self, name: str) -> ET.Element:
        return ET.fromstring(self._zip.read(name))

    def _sheet_paths(self) -> dict[str, str]:
        book = self._xml("xl/workbook.xml")
        rels = self._xml("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
        out = {}
        for sheet in book.findall("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(_R_ID), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[sheet.get("name", "")] = path
        return out

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self._zip.namelist():
            return []
        return [_text(si) for si in self._xml("xl/sharedStrings.xml").findall("m:si", _NS)]

    def cells(self, sheet: str) -> Cells:
        """Every non-empty cell value of a sheet."""
        try:
            root = self._xml(self._sheets[sheet])
        except (KeyError, ET.ParseError):
            raise StoreError(f"{self.path} 中的工作表“{sheet}”无法读取。") from None
        out: Cells = {}
        for cell in root.iterfind("m:sheetData/m:row/m:c", _NS):
            match = _REF.fullmatch(cell.get("r", ""))
            if match is None:
                continue
            value = self._value(cell)
            if value is not None and value != "":
                out[(int(match.group(2)), _column(match.group(1)))] = value
        return out

    def _value(self, cell: ET.Element) -> Value:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find("m:is", _NS)
            return _text(node) if node is not None else None
        raw = cell.findtext("m:v", default=None, namespaces=_NS)
        if raw is None:
            return None
        if kind == "s":
            index = int(raw)
            return self._strings[index] if 0 <= index < len(self._strings) else None
        if kind == "b":
            return raw == "1"
        if kind in ("str", "e"):
            return raw
        try:
            return float(raw)
        except ValueError:
            return raw


def read_workbook(path: Path) -> Workbook:
    """Open an xlsx file for reading; raises :class:`StoreError` when it is not one."""
    return Workbook(Path(path))

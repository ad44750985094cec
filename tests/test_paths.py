"""Field paths into interchange records (store.paths)."""

from __future__ import annotations


def test_field_paths_read_and_write_history_entries() -> None:
    from store.paths import parse_path, set_path, value_at

    record: dict = {"name": "王秀英", "woman": {"children": [{"birth_date": "2005-09-01"}]}}
    assert parse_path("woman.children[1].birth_date") == [("woman", None), ("children", 1), ("birth_date", None)]
    assert parse_path("not a path!") == [] and value_at(record, "not a path!") is None
    assert value_at(record, "woman.children[0].birth_date") == "2005-09-01"
    assert value_at(record, "woman.children[3].birth_date") is None
    assert value_at(record, "name.first") is None
    set_path(record, "woman.children[2].sex", "1")
    assert record["woman"]["children"] == [{"birth_date": "2005-09-01"}, {}, {"sex": "1"}]
    set_path(record, "flow.since", "2026-10-01")
    assert value_at(record, "flow.since") == "2026-10-01"

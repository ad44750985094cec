"""The ``renkou`` command: exit codes and one-line Chinese messages on bad input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.data import EXAMPLE_FILE
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_then_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.sqlite3")
    code, out, _ = run(capsys, "import", str(EXAMPLE_FILE), "--db", db)
    assert code == 0 and out.startswith("导入完成：3 户，新增 7 人")
    target = tmp_path / "out.jsonl"
    code, out, _ = run(capsys, "export", "households", "--out", str(target), "--db", db)
    assert code == 0 and "3 户 7 人" in out
    lines = [json.loads(t) for t in target.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"format": {"version": 3}}  # then the records, then the other tables (change events …)
    assert sum(1 for o in lines if "unit" in o or "household" in o) == 7


def test_structural_error_is_one_chinese_line_and_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()
    obj = json.loads(lines[4])
    obj["members"][0]["birth_date"] = "1984-13-01"
    lines[4] = json.dumps(obj, ensure_ascii=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "r.sqlite3"
    code, _, err = run(capsys, "import", str(bad), "--db", str(db))
    assert code != 0
    assert "第 5 行" in err and "不是有效日期" in err
    assert err.strip().splitlines()[-1].startswith("renkou: 导入失败")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_database_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(locked / "sub" / "r.sqlite3"))
    assert code != 0 and "请用 --db 指定可写的位置" in err


def test_database_path_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(folder))
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith("renkou: ")


def test_database_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(junk))
    assert code != 0 and "不是 Renkou 数据库或已损坏" in err
    assert junk.read_bytes() == b"this is not sqlite" * 100


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "r.sqlite3"))
    assert code != 0 and "找不到文件" in err


def test_export_from_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "export", "households", "--out", str(tmp_path / "o.jsonl"), "--db", str(tmp_path / "none.sqlite3")
    )
    assert code != 0 and "不存在" in err
    assert not (tmp_path / "none.sqlite3").exists()


def test_unknown_unit_on_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.sqlite3")
    run(capsys, "import", str(EXAMPLE_FILE), "--db", db)
    out = tmp_path / "o.jsonl"
    code, _, err = run(capsys, "export", "households", "--out", str(out), "--unit", "999999", "--db", db)
    assert code != 0 and "999999" in err and not out.exists()


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--error-rate", "abc"])
    assert exc.value.code == 2
    assert "差错率" in capsys.readouterr().err


def test_accounts_require_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "r.sqlite3")
    monkeypatch.setenv("RENKOU_NEW_PASSWORD", "secret123")
    code, out, _ = run(capsys, "user", "add", "liming", "--name", "李敏", "--role", "admin", "--db", db)
    assert code == 0 and "liming" in out
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", db)
    assert code != 0 and "--user" in err
    monkeypatch.setenv("RENKOU_PASSWORD", "wrong")
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", db, "--user", "liming")
    assert code != 0 and "用户名或密码错误" in err
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    code, out, _ = run(capsys, "import", str(EXAMPLE_FILE), "--db", db, "--user", "liming")
    assert code == 0
    code, out, _ = run(capsys, "log", "--db", db, "--user", "liming")
    lines = out.splitlines()
    assert any("\tliming\timport\t" in line for line in lines)
    assert any("login.failed" in line for line in lines)


def test_database_under_a_file_is_not_writable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "plainfile"
    blocker.write_text("x")
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(blocker / "sub" / "r.sqlite3"))
    assert code != 0 and "请用 --db 指定可写的位置" in err
    assert len(err.strip().splitlines()) == 1


def test_demo_never_overwrites_real_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.sqlite3"
    assert main(["import", str(EXAMPLE_FILE), "--db", str(real)]) == 0
    before = real.read_bytes()
    code, _, err = run(capsys, "demo", "--persons", "300", "--db", str(real), "--force")
    assert code != 0 and "不是演示数据库" in err
    assert real.read_bytes() == before


def test_demo_builds_once_then_if_missing_keeps_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo.sqlite3"
    code, out, _ = run(capsys, "demo", "--persons", "300", "--seed", "3", "--db", str(demo))
    assert code == 0 and "已生成演示数据" in out and demo.exists()
    assert (tmp_path / "demo.manifest.json").exists()
    assert not list(tmp_path.glob("*.building*"))
    stamp = demo.stat().st_mtime_ns
    code, out, _ = run(capsys, "demo", "--db", str(demo), "--if-missing")
    assert code == 0 and "已存在" in out and demo.stat().st_mtime_ns == stamp
    code, _, err = run(capsys, "demo", "--db", str(demo))
    assert code != 0 and "--force" in err


def test_database_failures_are_explained_in_chinese() -> None:
    from tui.cli import database_failure

    assert "磁盘已满" in database_failure(Exception("database or disk is full"))
    assert "稍后重试" in database_failure(Exception("database is locked"))
    assert "只读" in database_failure(Exception("attempt to write a readonly database"))


def test_full_disk_during_import_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database that may not grow (max_page_count) stands in for a full disk."""
    import sqlite3

    db_path = tmp_path / "small.sqlite3"
    assert main(["import", str(EXAMPLE_FILE), "--db", str(db_path)]) == 0
    with sqlite3.connect(db_path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        before = conn.execute("SELECT count(*) FROM person").fetchone()[0]
    bigger = tmp_path / "more.jsonl"
    lines = EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()
    units, households = lines[:4], lines[4:]
    extra = []
    for n in range(300):
        obj = json.loads(households[0])
        code = obj["household"]["code"][:14] + f"{n + 100:04d}"
        obj["household"]["code"] = code
        for member in obj["members"]:
            member["key"] = f"{member['key']}-x{n}"
            for link in ("spouse", "mother", "father"):
                if member.get(link):
                    member[link] = f"{member[link]}-x{n}"
            for child in (member.get("woman") or {}).get("children") or []:
                if child.get("member"):
                    child["member"] = f"{child['member']}-x{n}"
        extra.append(json.dumps(obj, ensure_ascii=False))
    bigger.write_text("\n".join(units + extra) + "\n", encoding="utf-8")
    import store.sqlite_engine as engine

    original = engine.ImmediateSqliteClient.create_connection

    async def limited(self, with_db: bool) -> None:  # type: ignore[no-untyped-def]
        await original(self, with_db)
        await self._connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    engine.ImmediateSqliteClient.create_connection = limited  # type: ignore[method-assign]
    try:
        code, _, err = run(capsys, "import", str(bigger), "--db", str(db_path))
    finally:
        engine.ImmediateSqliteClient.create_connection = original  # type: ignore[method-assign]
    assert code != 0 and "磁盘已满" in err
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == before


def test_demo_is_audited_so_its_planted_errors_show_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    demo = tmp_path / "demo.sqlite3"
    code, out, _ = run(capsys, "demo", "--persons", "600", "--error-rate", "0.05", "--db", str(demo))
    assert code == 0 and "已完成逻辑审核：错误" in out
    with sqlite3.connect(demo) as conn:
        stored = conn.execute("SELECT count(*) FROM finding WHERE severity = 'E'").fetchone()[0]
    assert stored > 0 and f"错误 {stored} 条" in out
    other = tmp_path / "plain.sqlite3"
    code, out, _ = run(capsys, "demo", "--persons", "300", "--db", str(other), "--no-audit")
    assert code == 0 and "逻辑审核" not in out


def test_admin_manages_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db = str(tmp_path / "r.sqlite3")

    def passwords(current: str, new: str | None = None) -> None:
        monkeypatch.setenv("RENKOU_PASSWORD", current)
        if new is not None:
            monkeypatch.setenv("RENKOU_NEW_PASSWORD", new)

    passwords("secret123", "secret123")
    assert run(capsys, "user", "add", "boss", "--name", "王主任", "--role", "admin", "--db", db)[0] == 0
    assert run(capsys, "user", "add", "clerk", "--name", "李敏", "--db", db, "--user", "boss")[0] == 0
    code, _, err = run(capsys, "log", "--db", db, "--user", "clerk")  # the admin chose it: the clerk changes it
    assert code != 0 and "renkou passwd --user clerk" in err
    passwords("secret123", "clerkpass8")
    assert run(capsys, "passwd", "--db", db, "--user", "clerk")[0] == 0
    for _ in range(5):  # the clerk forgets the password: locked
        passwords("nope")
        run(capsys, "log", "--db", db, "--user", "clerk")
    passwords("clerkpass8")
    code, _, err = run(capsys, "log", "--db", db, "--user", "clerk")
    assert code != 0 and "已锁定" in err
    code, _, err = run(capsys, "user", "unlock", "clerk", "--db", db, "--user", "clerk")
    assert code != 0  # locked clerk cannot act
    passwords("secret123")
    code, out, _ = run(capsys, "user", "unlock", "clerk", "--db", db, "--user", "boss")
    assert code == 0 and "解除" in out
    passwords("clerkpass8")
    assert run(capsys, "log", "--db", db, "--user", "clerk")[0] == 0
    code, _, err = run(capsys, "user", "disable", "clerk", "--db", db, "--user", "clerk")
    assert code != 0 and "只有管理员" in err
    passwords("secret123", "newpass99")
    assert run(capsys, "user", "passwd", "clerk", "--db", db, "--user", "boss")[0] == 0
    passwords("newpass99")
    code, _, err = run(capsys, "log", "--db", db, "--user", "clerk")  # an admin reset: changed first again
    assert code != 0 and "renkou passwd" in err
    passwords("newpass99", "clerkpass9")
    assert run(capsys, "passwd", "--db", db, "--user", "clerk")[0] == 0
    passwords("clerkpass9")
    assert run(capsys, "log", "--db", db, "--user", "clerk")[0] == 0
    passwords("secret123")
    assert run(capsys, "user", "disable", "clerk", "--db", db, "--user", "boss")[0] == 0
    code, _, err = run(capsys, "user", "disable", "boss", "--db", db, "--user", "boss")
    assert code != 0 and "最后一个" in err
    passwords("clerkpass9")
    code, _, err = run(capsys, "log", "--db", db, "--user", "clerk")
    assert code != 0 and "用户名或密码错误" in err
    passwords("secret123")
    code, out, _ = run(capsys, "log", "--db", db, "--user", "boss")
    assert all(a in out for a in ("user.unlock", "user.password", "user.disable"))


def test_import_while_another_writer_holds_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import sqlite3

    from store import db as store_db

    db_path = tmp_path / "busy.sqlite3"
    assert run(capsys, "import", str(EXAMPLE_FILE), "--db", str(db_path))[0] == 0
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(db_path))
    finally:
        blocker.rollback()
        blocker.close()
    assert code != 0 and "占用" in err and len(err.strip().splitlines()) == 1


def test_refused_actions_say_why_in_one_chinese_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db = str(tmp_path / "r.sqlite3")
    assert run(capsys, "import", str(EXAMPLE_FILE), "--db", db)[0] == 0
    monkeypatch.setenv("RENKOU_NEW_PASSWORD", "secret123")
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    code, out, err = run(capsys, "user", "add", "clerk", "--name", "李敏", "--db", db)  # nobody could manage it
    assert code == 1 and out == "" and "第一个账号必须是管理员" in err and len(err.splitlines()) == 1
    assert run(capsys, "user", "add", "boss", "--name", "王主任", "--role", "admin", "--db", db)[0] == 0  # first admin
    assert run(capsys, "user", "add", "clerk", "--name", "李敏", "--db", db, "--user", "boss")[0] == 0
    monkeypatch.setenv("RENKOU_NEW_PASSWORD", "clerkpass8")  # the clerk replaces the password the admin chose
    assert run(capsys, "passwd", "--db", db, "--user", "clerk")[0] == 0
    monkeypatch.setenv("RENKOU_PASSWORD", "clerkpass8")
    for argv in (("user", "add", "mole", "--name", "张三", "--role", "admin"), ("user", "passwd", "boss"),
                 ("user", "enable", "clerk")):  # fmt: skip
        code, out, err = run(capsys, *argv, "--db", db, "--user", "clerk")
        assert (code, out, err) == (1, "", "renkou: 只有管理员可以管理账号。\n"), argv
    code, out, err = run(capsys, "user", "list", "--db", db, "--user", "clerk")  # the accounts are the admin's
    assert (code, out, err) == (1, "", "renkou: 只有管理员可以管理账号。\n")
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    listed = run(capsys, "user", "list", "--db", db, "--user", "boss")[1]
    assert "mole" not in listed and "clerk\t李敏" in listed
    monkeypatch.setenv("RENKOU_PASSWORD", "clerkpass8")
    assert run(capsys, "user", "list", "--db", db)[0] == 1  # nobody logged in: no list of the accounts
    code, out, _ = run(capsys, "export", "errors", "--out", str(tmp_path / "c.xlsx"), "--db", db, "--user", "clerk")
    assert code == 0 and "身份证号已遮盖" in out
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    code, out, _ = run(capsys, "export", "errors", "--out", str(tmp_path / "b.xlsx"), "--db", db, "--user", "boss")
    assert code == 0 and "身份证号已遮盖" not in out


def test_demo_databases_let_anyone_manage_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    demo = str(tmp_path / "demo.sqlite3")
    assert run(capsys, "demo", "--persons", "200", "--no-audit", "--db", demo)[0] == 0
    monkeypatch.setenv("RENKOU_NEW_PASSWORD", "secret123")
    monkeypatch.delenv("RENKOU_PASSWORD", raising=False)
    assert run(capsys, "user", "add", "clerk", "--name", "李敏", "--db", demo)[0] == 0  # as the demo admin
    code, out, _ = run(capsys, "user", "add", "zhang", "--name", "张丽", "--db", demo, "--user", "clerk")
    assert code == 0 and "zhang" in out
    code, out, _ = run(capsys, "export", "errors", "--out", str(tmp_path / "e.xlsx"), "--db", demo, "--user", "clerk")
    assert code == 0 and "身份证号已遮盖" in out  # but full ID numbers stay the admins'


# --- the global --db, and read commands on a missing database ------------------------------------------------


def test_db_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``renkou --db F check`` (the order ``renkou --help`` shows) and ``renkou check --db F`` both use F; the
    default database is neither read nor made."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("RENKOU_DB", raising=False)
    db = str(tmp_path / "r.sqlite3")
    assert run(capsys, "--db", db, "import", str(EXAMPLE_FILE))[0] == 0
    for argv in (["--db", db, "check"], ["check", "--db", db], ["--db", db, "export", "households", "--out",
                 str(tmp_path / "o.jsonl")], ["export", "--db", db, "households", "--out", str(tmp_path / "p.jsonl")],
                 ["--db", db, "log"], ["--db", db, "user", "list"], ["--db", db, "quality"]):  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert code == 0, (argv, err)
        assert "不存在" not in err
    assert not (tmp_path / "xdg").exists()
    code, out, _ = run(capsys, "--db", db, "log")
    assert "import" in out  # the log of F, which the import wrote


READS = (["check"], ["quality"], ["log"], ["user", "list"], ["export", "households", "--out", "o.jsonl"],
         ["export", "errors", "--out", "e.xlsx"], ["settings", "idle-lock"], ["backup"], ["backup", "--list"])  # fmt: skip


@pytest.mark.parametrize("argv", READS, ids=[" ".join(a[:2]) for a in READS])
@pytest.mark.parametrize("before", [True, False], ids=["db-first", "db-last"])
def test_read_commands_never_create_a_database(argv: list[str], before: bool, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    missing = tmp_path / "sub" / "none.sqlite3"
    code, _, err = run(capsys, *(["--db", str(missing), *argv] if before else [*argv, "--db", str(missing)]))
    assert code != 0
    assert "不存在" in err and err.startswith("renkou: ")
    assert not missing.exists() and not missing.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["--help"], ["export", "--help"], ["month", "close", "--help"]])
def test_help_has_no_english_headings(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` speaks Chinese: argparse's usage/options headings and its -h line are translated."""
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：renkou") and "选项：" in out and "显示本帮助并退出" in out
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out

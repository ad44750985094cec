"""``renkou history KEY-OR-ID [--reverse EVENT_NO --reason TEXT]``: a person's timeline (历史数据), and reversing
a wrong change event with a reason (`tui.services.person_history`, `tui.services.reverse_event`)."""

from __future__ import annotations

import argparse

from tui.cli.errors import CliError
from tui.cli.session import acting, shown


async def cmd_history(args: argparse.Namespace) -> int:
    """Print the timeline of the person (record key or 18-digit ID number); with ``--reverse``, first reverse
    that change event (reviewers and admins, ``--reason`` required)."""
    from store import db
    from store.access import Action
    from tui import services

    if args.reverse is not None and not (args.reason or "").strip():
        raise CliError("撤销变动须用 --reason 写明理由。")
    async with db.database(args.db, create=False):
        actor = await acting(args, Action.REVERSE if args.reverse is not None else Action.VIEW)
        history = await services.person_history(args.person, actor=actor)
        if args.reverse is not None:
            done = await services.reverse_event(history.person.key, args.reverse, args.reason, actor=actor)
            how = "不再计入月报" if done.withdrawn else "所在月份已封账，当前月份记一条更正"
            print(f"已撤销编号 {args.reverse} 的变动，{how}；已记入操作日志。")
            for line in done.unrestored:  # what stays as the event left it, and what to do
                print(shown(line))
            history = await services.person_history(history.person.key, actor=actor)
    person = history.person
    ident = f"  身份证号 {person.id_number}" if person.id_number else ""
    print(f"{shown(person.name) or '（未填姓名）'}  人员编号 {shown(person.key)}  户 {person.household}{ident}")
    print("编号\t日期\t类别\t内容\t录入人\t录入时间")
    for entry in history.entries:
        number = "" if entry.event_id is None else str(entry.event_id)
        day = entry.day.isoformat() if entry.day else ""
        at = f"{entry.at:%Y-%m-%d %H:%M}" if entry.at else ""
        print(f"{number}\t{day}\t{entry.kind}\t{shown(entry.text)}\t{shown(entry.who)}\t{at}")
    print(f"共 {len(history.entries)} 条。")
    return 0

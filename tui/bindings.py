"""The one key table of the app: every key binding of every screen and widget, declared once.

Each :class:`Key` has a unique namespaced id (``browse.search``), its Textual key(s), the action, a short
Chinese label and a one-line Chinese help text. Screens and widgets take their ``BINDINGS`` from here
(:func:`bindings`), the footer line (:func:`footer_text`) and the F1 help (:func:`help_lines`) are generated
from it, and the keymap file (:mod:`tui.keymap`) remaps keys by id. No widgets here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding

#: the scope of the app-wide keys (shown on every screen)
GLOBAL = "app"

#: footer width the screens must fit (an 80-column terminal)
FOOTER_WIDTH = 80


@dataclass(frozen=True)
class Key:
    """One key binding: ``keys`` are Textual key names (comma-separated), ``display`` how the footer shows them."""

    id: str
    keys: str
    action: str
    label: str
    help: str
    display: str = ""
    show: bool = True
    """Shown in the footer line (the keys that matter); every key is listed in the F1 help."""
    priority: bool = False
    bound: bool = True
    """False: a key handled by a Textual widget itself (Enter on the tree) — documented here, not bound."""

    @property
    def scope(self) -> str:
        """The part of the id before the dot: the screen or widget the key belongs to."""
        return self.id.split(".", 1)[0]

    def binding(self) -> Binding:
        """The Textual binding of this key."""
        return Binding(self.keys, self.action, self.label, show=self.show, key_display=self.display or None,
                       priority=self.priority, id=self.id)  # fmt: skip


def _k(id: str, keys: str, action: str, label: str, help: str = "", display: str = "", *, show: bool = True,
       priority: bool = False, bound: bool = True) -> Key:  # fmt: skip
    return Key(id, keys, action, label, help, display, show=show, priority=priority, bound=bound)


# fmt: off
TABLE: tuple[Key, ...] = (
    # --- everywhere ---------------------------------------------------------------------------------------
    _k("app.help", "f1", "help", "帮助", "本帮助：当前屏幕的按键和说明", "F1"),
    _k("app.quit", "ctrl+q", "quit", "退出", "退出程序（打开的表单先存草稿）", "Ctrl+Q", show=False),
    _k("app.users", "ctrl+u", "users", "账号管理", "账号管理（管理员）", "Ctrl+U", show=False),
    _k("app.password", "ctrl+p", "change_password", "改密码", "修改本人的登录密码（原密码一次、新密码两次）", "Ctrl+P",
       show=False),
    _k("help.close", "escape,f1", "dismiss", "关闭", "关闭帮助", "Esc"),
    # --- browse: the household tree and detail ---------------------------------------------------------------
    _k("browse.open", "enter", "", "打开", "户：打开该户；人：人员信息；乡镇、村、组：展开 / 收起", "Enter",
       bound=False),
    _k("browse.new_household", "insert", "new_household", "新户", "在村、组或户上新建户（下一个空户号），接着录入户主",
       "Ins"),
    _k("browse.edit_household", "e", "edit_household", "编辑户", "在户或人上：打开户信息（户的项目和成员表）", "e",
       show=False),
    _k("browse.search", "slash,f3", "search", "查找", "查找姓名、拼音首字母、身份证号或户编码", "/"),
    _k("browse.changes", "f4", "changes", "变更录入", "月度变更录入（光标所在的村）", "F4"),
    _k("browse.review", "f6", "review", "审核", "逻辑审核：问题清单", "F6"),
    _k("browse.quality", "f7", "quality", "质量", "数据质量指标", "F7"),
    _k("browse.export", "f8", "export", "导出", "导出月报表、问题清单、抽查核实表或户文件", "F8"),
    _k("browse.history", "f5", "history", "历史", "在人上：历史数据（变动、修改前后、撤销）", "F5",
       show=False),
    _k("browse.quit", "escape", "app.ask_quit", "退出", "退出程序（先询问）", "Esc"),
    _k("tree.open_level", "right", "open_level", "展开", "展开；已展开时到下一行", "→", show=False),
    _k("tree.close_level", "left", "close_level", "收起", "收起；已收起时回上一级", "←", show=False),
    # --- search dialog ---------------------------------------------------------------------------------------
    _k("search.close", "escape", "close", "关闭", "关闭查找", "Esc"),
    _k("search.down", "down", "move('cursor_down')", "下一条", "选下一条", "↓", show=False),
    _k("search.up", "up", "move('cursor_up')", "上一条", "选上一条", "↑", show=False),
    _k("search.page_down", "pagedown", "move('page_down')", "下一页", "下一页", "PgDn", show=False),
    _k("search.page_up", "pageup", "move('page_up')", "上一页", "上一页", "PgUp", show=False),
    # --- entry forms (person and household) ------------------------------------------------------------------
    _k("person.next", "enter", "", "下一项", "下一项（日期、代码、身份证号填满后自动跳）", "Enter",
       bound=False),
    _k("person.next_member", "ctrl+n", "next_member", "下一成员", "下一名成员（未保存的修改保留，F2 一并保存）", "^N"),
    _k("person.same_as_previous", "f9", "same_as_previous", "同上条", "本项取上一个录入的人的值", "F9"),
    _k("person.confirm", "f10", "confirm_warning", "核实无误", "确认本项（或本人第一条）W 预警属实（先保存）", "F10"),
    _k("person.page_down", "pagedown", "page_down", "妇女", "到育龄妇女（或其他）项", "PgDn", priority=True),
    _k("person.page_up", "pageup", "page_up", "开头", "回到开头", "PgUp", show=False, priority=True),
    _k("person.history", "f5", "history", "历史", "本人的历史数据（变动、修改前后的值、撤销）", "F5", show=False),
    _k("household.next", "enter", "", "下一项/打开成员", "下一项；在成员表中打开该成员；新户最后一项接着录入户主",
       "Enter", bound=False),
    _k("household.add_member", "insert", "add_member", "添加成员", "添加成员（地址、户口性质、民族默认同户主）", "Ins"),
    _k("household.move_member", "f4", "move_member", "迁往他户", "选中的人迁往本库另一户（户主先指定接替者）",
       "F4", show=False),
    _k("household.remove_member", "f5", "remove_member", "注销成员", "注销选中的人并写明原因（迁出须填迁往地）", "F5",
       show=False),
    _k("household.change_head", "f6", "change_head", "换户主", "选中的人改为户主，关系按亲属关联重推",
       "F6", show=False),
    _k("household.split", "f7", "split", "分户", "选中的人（可加他人）分出另立新户", "F7", show=False),
    _k("household.merge", "f8", "merge", "并户", "本户全部在册成员并入另一户，本户销户", "F8", show=False),
    _k("form.save", "f2,ctrl+s", "save", "保存", "保存整户（有错误 E 时先询问一次）", "F2"),
    _k("form.leave", "escape", "leave", "返回", "返回（有未保存的修改时询问）", "Esc"),
    _k("dialog.cancel", "escape", "cancel", "取消", "取消", "Esc", show=False),
    # --- entry fields (every form) ---------------------------------------------------------------------------
    _k("field.previous", "up", "up", "上一项", "上一项", "↑", show=False),
    _k("field.next", "tab", "next_field", "下一项", "下一项（本项按显示的内容确认）", "Tab", show=False),
    _k("field.previous_tab", "shift+tab", "previous_field", "上一项", "上一项", "⇧Tab", show=False),
    _k("code.next_candidate", "down", "next_candidate", "下一候选", "代码项：换下一个候选", "↓", show=False),
    # --- monthly change entry --------------------------------------------------------------------------------
    _k("changes.save", "f2,ctrl+s", "save", "保存并继续", "确认各项后保存本行并清空，继续下一行", "F2"),
    _k("changes.find", "f3", "find", "查找", "回到查找", "F3"),
    _k("changes.check", "f5", "check_batch", "核对本批", "重新审核本批各户", "F5"),
    _k("changes.back", "escape", "back", "返回", "返回（本行未保存时先询问）", "Esc"),
    _k("hits.next", "down", "pick(1)", "下一个", "查找：选下一个结果", "↓", show=False),
    _k("hits.previous", "up", "pick(-1)", "上一个", "查找：选上一个结果", "↑", show=False),
    _k("line.save", "enter", "screen.save", "保存", "最后一项之后按 Enter 保存本行", "Enter", show=False),
    _k("line.back", "up,shift+tab", "screen.focus_previous", "上一项", "回到上一项", "↑", show=False),
    _k("leave.yes", "y", "answer(True)", "放弃", "放弃本行并返回", "Y", show=False),
    _k("leave.no", "n,escape,enter", "answer(False)", "继续录入", "继续录入", "N", show=False),
    # --- export dialog ---------------------------------------------------------------------------------------
    _k("export.help", "f1", "app.help", "帮助", "本帮助（导出框内也可用）", "F1"),
    _k("export.kinds", "1,2,3,4,5,6", "", "选择", "选择导出的种类（在种类行上）", "1–6", bound=False),
    _k("export.start", "f2,ctrl+s", "start", "导出", "开始导出", "F2"),
    _k("export.close", "escape", "close", "关闭", "关闭（导出中不能关闭）", "Esc"),
    _k("export.monthly", "1", "choose(0)", "月报表", "月报表", "1", show=False),
    _k("export.errors", "2", "choose(1)", "问题清单", "问题清单", "2", show=False),
    _k("export.sample", "3", "choose(2)", "抽查核实表", "抽查核实表", "3", show=False),
    _k("export.households", "4", "choose(3)", "户文件", "户文件", "4", show=False),
    _k("export.halfyear", "5", "choose(4)", "半年报", "半年报", "5", show=False),
    _k("export.annual", "6", "choose(5)", "年报", "年报", "6", show=False),
    _k("kinds.previous", "left", "screen.step_kind(-1)", "上一种", "上一种", "←", show=False),
    _k("kinds.next", "right", "screen.step_kind(1)", "下一种", "下一种", "→", show=False),
    _k("kinds.enter", "enter", "app.focus_next", "下一项", "到月份、单位、文件各项", "Enter", show=False),
    # --- review (findings list) ------------------------------------------------------------------------------
    _k("findings.open", "enter", "screen.open_finding", "打开并定位", "打开该人员（或户）的信息，定位到出错的项目", "Enter"),
    _k("review.confirm", "f10", "confirm_finding", "核实无误", "预警核实无误（填写理由，记入操作日志）", "F10"),
    _k("review.sort", "s", "next_sort", "排序", "排序：级别 → 村 → 户 → 规则", "S"),
    _k("review.reaudit", "f5", "reaudit", "重新审核", "重新审核全部数据", "F5"),
    _k("review.export", "f8", "export", "导出问题清单", "导出问题清单（Excel）", "F8"),
    _k("review.signoff", "f9", "sign_off", "审核签字", "审核签字：签认所选村上月的数据已审核（审核员、管理员）", "F9",
       show=False),
    _k("review.back", "escape", "back", "返回", "返回", "Esc"),
    _k("select.previous", "left", "cycle(-1)", "上一项", "筛选栏：上一个选项", "←", show=False),
    _k("select.next", "right", "cycle(1)", "下一项", "筛选栏：下一个选项", "→", show=False),
    _k("confirm.cancel", "escape", "cancel", "取消", "取消核实", "Esc"),
    _k("rules.up", "up", "move(-1)", "上一条", "规则列表：上一条", "↑", show=False),
    _k("rules.down", "down", "move(1)", "下一条", "规则列表：下一条", "↓", show=False),
    _k("rules.cancel", "escape", "cancel", "取消", "关闭规则列表，筛选不变", "Esc"),
    # --- quality ---------------------------------------------------------------------------------------------
    _k("units.open", "enter", "screen.open_row", "该村问题", "打开该村的问题清单（乡镇行：进入该乡镇各村）", "Enter"),
    _k("quality.fractions", "d", "toggle_fractions", "分子/分母", "切换显示分子/分母", "D"),
    _k("quality.refresh", "f5", "refresh_quality", "刷新", "重新计算（重新审核请在问题清单中按 F5）", "F5"),
    _k("quality.close_month", "f9", "close_month", "封账", "封账：所选单位上月的报表上报后不再变动（审核员、管理员）",
       "F9", show=False),
    _k("quality.reopen_month", "f10", "reopen_month", "重新打开", "重新打开所选单位已封账的上月（管理员，须写理由）",
       "F10", show=False),
    _k("quality.back", "escape", "back", "返回", "返回", "Esc"),
    # --- a person's timeline (历史数据) -----------------------------------------------------------------------
    _k("timeline.reverse", "enter,r", "reverse", "撤销", "撤销光标所在的变动：写明理由，记入操作日志（审核员、管理员）",
       "Enter/R"),
    _k("timeline.back", "escape", "back", "返回", "返回", "Esc"),
    _k("reverse.cancel", "escape", "cancel", "不撤销", "不撤销，关闭", "Esc", show=False),
    # --- accounts and login ----------------------------------------------------------------------------------
    _k("users.add", "insert", "add", "新建", "新建账号", "Ins"),
    _k("users.password", "p", "password", "重设密码", "为选中账号重设密码（同时解除锁定）", "P"),
    _k("users.unlock", "u", "unlock", "解锁", "解除因多次密码错误造成的锁定", "U"),
    _k("users.toggle", "d", "toggle_active", "停用/启用", "停用 / 重新启用选中账号", "D"),
    _k("users.back", "escape", "back", "返回", "返回", "Esc"),
    _k("account.cancel", "escape", "cancel", "取消", "取消", "Esc"),
    _k("login.cancel", "escape", "cancel", "退出", "退出程序", "Esc"),
    _k("password.help", "f1", "app.help", "帮助", "本帮助（改密码框内也可用）", "F1"),
    _k("password.quit", "ctrl+q", "app.quit", "退出", "退出程序（在对话框中也可用）", "Ctrl+Q", show=False),
    _k("lock.quit", "ctrl+q", "app.quit", "退出", "不是本人：退出程序（打开的表单先存草稿）", "Ctrl+Q"),
    _k("password.cancel", "escape", "cancel", "取消", "不改密码并关闭（须改密码时：问过后退出程序）", "Esc"),
)
# fmt: on

BY_ID: dict[str, Key] = {key.id: key for key in TABLE}

#: key names shown in the footer and the help, for keys remapped in the keymap file
NAMES = {"escape": "Esc", "enter": "Enter", "insert": "Ins", "delete": "Del", "slash": "/", "pagedown": "PgDn",
         "pageup": "PgUp", "tab": "Tab", "shift+tab": "⇧Tab", "up": "↑", "down": "↓", "left": "←", "right": "→",
         "space": "Space", "home": "Home", "end": "End", "backspace": "Bksp"}  # fmt: skip


def bindings(*scopes: str) -> list[Binding]:
    """The ``BINDINGS`` of a screen or widget: every bound key of the table in `scopes`."""
    return [key.binding() for key in TABLE if key.scope in scopes and key.bound]


def key_name(key: str) -> str:
    """How a Textual key name is shown: ``f4`` → ``F4``, ``ctrl+n`` → ``^N``, ``escape`` → ``Esc``."""
    key = key.strip()
    if key in NAMES:
        return NAMES[key]
    if key.startswith("ctrl+") and len(key) == 6:
        return "^" + key[-1].upper()
    if key.startswith("ctrl+"):
        return "Ctrl+" + key_name(key[5:])
    if len(key) <= 3 and key[:1] == "f" and key[1:].isdigit():
        return key.upper()
    return key.upper() if len(key) == 1 else key


def shown_keys(key: Key, keymap: Mapping[str, str], *, every: bool = False) -> str:
    """The key(s) of `key` as shown: its ``display`` unless the keymap remapped it (then the new key)."""
    remapped = keymap.get(key.id) if key.bound else None
    if remapped is None:
        if every and key.bound and "," in key.keys:
            return " ".join(key_name(k) for k in key.keys.split(","))
        return key.display or key_name(key.keys.split(",")[0])
    keys = remapped.split(",")
    return " ".join(key_name(k) for k in (keys if every else keys[:1]))


def scope_keys(scopes: Sequence[str]) -> list[Key]:
    """The keys of `scopes`, scope by scope in the order given (table order within a scope)."""
    return [key for scope in scopes for key in TABLE if key.scope == scope]


def footer_text(scopes: Sequence[str], keymap: Mapping[str, str], width: int = FOOTER_WIDTH, *,
                with_global: bool = True) -> Text:  # fmt: skip
    """The footer line: the shown global keys (unless not `with_global`: a modal screen, where the app's keys
    do not reach), then the shown keys of `scopes` — ``F1帮助 Enter打开 …``.

    Keys that would not fit in `width` cells are left out (the table puts the important ones first)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    used = 0
    for key in scope_keys([GLOBAL, *scopes] if with_global else list(scopes)):
        if not key.show:
            continue
        name = shown_keys(key, keymap)
        cells = 1 + cell_len(name) + cell_len(key.label)
        if used + cells > width:
            break
        text.append(f" {name}", style="bold")
        text.append(key.label)
        used += cells
    return text


def help_lines(scopes: Iterable[str], keymap: Mapping[str, str]) -> Text:
    """The F1 lines of `scopes`: every key (shown or not) with its label and help text."""
    text = Text()
    for key in scope_keys(list(scopes)):
        name = shown_keys(key, keymap, every=True)
        text.append(f"  {name}", style="bold")
        text.append(" " * max(1, 12 - cell_len(name)))
        text.append(key.label)
        if key.help and key.help != key.label:
            text.append(" " * max(1, 10 - cell_len(key.label)))
            text.append(key.help, style="dim")
        text.append("\n")
    return text

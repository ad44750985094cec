"""Code tables used in files, forms and audits (`docs/spec/interchange.md` §3, `docs/spec/domain.md` §3).

Import is cheap: the pinyin initials of labels are precomputed in ``store.code_initials``
(regenerate with ``bench/tools/build_code_initials.py`` after changing a label).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

try:
    from store.code_initials import INITIALS
except ImportError:  # pragma: no cover - only while bootstrapping the generated module
    INITIALS = {}


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a table: the code, its label, pinyin initials (of the label, short label and aliases), a
    short label and the common spoken names it is looked up by (上环 for 宫内节育器)."""

    code: str
    label: str
    initials: tuple[str, ...]
    short: str
    aliases: tuple[str, ...] = ()


class CodeTable:
    """An ordered code list with look-up and entry-form matching."""

    __slots__ = ("_by_code", "codes", "name", "parent_fallback", "title", "width")

    def __init__(self, name: str, title: str, codes: tuple[Code, ...], *, parent_fallback: bool = False) -> None:
        self.name = name
        self.title = title
        self.codes = codes
        # Education: any two-digit code whose "x0" top level exists is valid and labelled by it.
        self.parent_fallback = parent_fallback
        self._by_code = {c.code: c for c in codes}
        lengths = {len(c.code) for c in codes}
        self.width = lengths.pop() if len(lengths) == 1 else 0

    def __repr__(self) -> str:
        return f"CodeTable({self.name!r}, {len(self.codes)} codes)"

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.is_valid(code)

    def get(self, code: str | None) -> Code | None:
        """The listed code, or None."""
        if code is None:
            return None
        return self._by_code.get(code)

    def _parent(self, code: str) -> Code | None:
        if self.parent_fallback and len(code) == 2 and code.isdigit() and code.isascii():
            return self._by_code.get(code[0] + "0")
        return None

    def label(self, code: str | None) -> str:
        """Label of ``code``: "" for None, the top level's label for an unlisted sub-code, else the code."""
        if code is None:
            return ""
        found = self._by_code.get(code) or self._parent(code)
        return found.label if found else code

    def short(self, code: str | None) -> str:
        """Short display label, with the same fall-backs as :meth:`label`."""
        if code is None:
            return ""
        found = self._by_code.get(code) or self._parent(code)
        return found.short if found else code

    def is_valid(self, code: str | None) -> bool:
        """Whether ``code`` is allowed in a file or form."""
        if code is None:
            return False
        return code in self._by_code or self._parent(code) is not None

    def match(self, text: str) -> list[Code]:
        """Candidates for what was typed in a code field, best first.

        Exact code, then code prefix, then pinyin-initials prefix, then label substring.
        Empty input lists the whole table.
        """
        key = "".join(text.split()).lower()
        if not key:
            return list(self.codes)
        out: list[Code] = []
        seen: set[str] = set()

        def add(c: Code) -> None:
            if c.code not in seen:
                seen.add(c.code)
                out.append(c)

        exact = self._by_code.get(key)
        if exact is not None:
            add(exact)
        for c in self.codes:
            if c.code.lower().startswith(key):
                add(c)
        if key.isascii() and key.isalpha():
            # likeliest reading first, then the other readings of polyphonic characters
            for c in self.codes:
                if c.initials and c.initials[0].startswith(key):
                    add(c)
            for c in self.codes:
                if any(i.startswith(key) for i in c.initials):
                    add(c)
        for c in self.codes:
            if key in c.label or key in c.short or any(key in a for a in c.aliases):
                add(c)
        return out


def _initials(*texts: str) -> tuple[str, ...]:
    """Initials of several texts: each text's likeliest reading first, then the other readings."""
    lists = [INITIALS.get(text, ()) for text in texts]
    out: list[str] = []
    for item in [x[0] for x in lists if x] + [i for x in lists for i in x]:
        if item not in out:
            out.append(item)
    return tuple(out)


def _table(
    name: str,
    title: str,
    rows: Sequence[tuple[str, ...]],
    *,
    parent_fallback: bool = False,
) -> CodeTable:
    codes: list[Code] = []
    aliases = ALIASES.get(name, {})
    for row in rows:
        code, label = row[0], row[1]
        short = row[2] if len(row) > 2 else label
        spoken = aliases.get(code, ())
        codes.append(Code(code, label, _initials(label, short, *spoken), short, spoken))
    return CodeTable(name, title, tuple(codes), parent_fallback=parent_fallback)


# --- raw data ------------------------------------------------------------------------------------

#: common spoken names a clerk types for a code (table → code → names): 上环 (sh) finds 03 宫内节育器
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "contraception_method": {
        "01": ("男扎", "结扎", "输精管结扎"),
        "02": ("女扎", "结扎", "输卵管结扎"),
        "03": ("上环", "放环", "节育环", "带环"),
        "04": ("皮埋", "埋植"),
        "05": ("避孕药", "吃药"),
        "06": ("避孕针", "打针"),
        "07": ("安全套",),
        "00": ("没有措施",),
    },
    "contraception_failure": {"1": ("上环失败", "带环怀孕")},
}

_SEX = [("1", "男"), ("2", "女"), ("0", "未知"), ("9", "未说明")]

_MARITAL = [
    ("10", "未婚"),
    ("20", "已婚"),
    ("21", "初婚"),
    ("22", "再婚"),
    ("23", "复婚"),
    ("30", "丧偶"),
    ("40", "离婚"),
    ("90", "未说明"),
]

_ETHNIC_NAMES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
_ETHNICITY = [(f"{i:02d}", n) for i, n in enumerate(_ETHNIC_NAMES, start=1)] + [
    ("97", "其他未识别民族", "未识别"),
    ("98", "外国人入籍", "入籍"),
]

# GB/T 4761-2008 two-digit relation codes (docs/spec/domain.md §3.4); third item = short label.
_RELATION: list[tuple[str, ...]] = [
    ("01", "本人"),
    ("02", "户主"),
    ("10", "配偶"),
    ("11", "夫"),
    ("12", "妻"),
    ("20", "子"),
    ("21", "独生子"),
    ("22", "长子"),
    ("23", "次子"),
    ("24", "三子"),
    ("25", "四子"),
    ("26", "五子"),
    ("27", "养子或继子", "养/继子"),
    ("28", "女婿"),
    ("29", "其他儿子"),
    ("30", "女"),
    ("31", "独生女"),
    ("32", "长女"),
    ("33", "次女"),
    ("34", "三女"),
    ("35", "四女"),
    ("36", "五女"),
    ("37", "养女或继女", "养/继女"),
    ("38", "儿媳"),
    ("39", "其他女儿"),
    ("40", "孙子、孙女、外孙子、外孙女", "孙子女"),
    ("41", "孙子"),
    ("42", "孙女"),
    ("43", "外孙子"),
    ("44", "外孙女"),
    ("45", "孙媳妇或外孙媳妇", "孙媳妇"),
    ("46", "孙女婿或外孙女婿", "孙女婿"),
    ("47", "曾孙子或外曾孙子", "曾孙子"),
    ("48", "曾孙女或外曾孙女", "曾孙女"),
    ("49", "其他孙子、孙女、外孙子、外孙女", "其他孙子女"),
    ("50", "父母"),
    ("51", "父亲"),
    ("52", "母亲"),
    ("53", "公公"),
    ("54", "婆婆"),
    ("55", "岳父"),
    ("56", "岳母"),
    ("57", "继父或养父", "继/养父"),
    ("58", "继母或养母", "继/养母"),
    ("59", "其他父母关系", "其他父母"),
    ("60", "祖父母或外祖父母", "祖父母"),
    ("61", "祖父"),
    ("62", "祖母"),
    ("63", "外祖父"),
    ("64", "外祖母"),
    ("65", "配偶的祖父母或外祖父母", "配偶祖父母"),
    ("66", "曾祖父"),
    ("67", "曾祖母"),
    ("68", "配偶的曾祖父母或外曾祖父母", "配偶曾祖父母"),
    ("69", "其他祖父母或外祖父母关系", "其他祖父母"),
    ("70", "兄、弟、姐、妹", "兄弟姐妹"),
    ("71", "兄"),
    ("72", "嫂"),
    ("73", "弟"),
    ("74", "弟媳"),
    ("75", "姐姐"),
    ("76", "姐夫"),
    ("77", "妹妹"),
    ("78", "妹夫"),
    ("79", "其他兄弟姐妹"),
    ("80", "其他"),
    ("81", "伯父"),
    ("82", "伯母"),
    ("83", "叔父"),
    ("84", "婶母"),
    ("85", "舅父"),
    ("86", "舅母"),
    ("87", "姨父"),
    ("88", "姨母"),
    ("89", "姑父"),
    ("90", "姑母"),
    ("91", "堂兄弟、堂姐妹", "堂兄弟姐妹"),
    ("92", "表兄弟、表姐妹", "表兄弟姐妹"),
    ("93", "侄子"),
    ("94", "侄女"),
    ("95", "外甥"),
    ("96", "外甥女"),
    ("97", "其他亲属"),
    ("99", "非亲属"),
]

# GB/T 4658-2006: top levels (labels of docs/spec/domain.md §3.5) and the typical sub-codes.
_EDUCATION = [
    ("10", "研究生教育", "研究生"),
    ("11", "博士毕业"),
    ("14", "硕士毕业"),
    ("17", "研究生班毕业"),
    ("20", "大学本科", "本科"),
    ("21", "大学本科毕业", "本科毕业"),
    ("22", "大学本科结业", "本科结业"),
    ("23", "大学本科肄业", "本科肄业"),
    ("28", "大学普通班毕业", "普通班毕业"),
    ("30", "大学专科和专科学校", "大专"),
    ("31", "大学专科毕业", "大专毕业"),
    ("32", "大学专科结业", "大专结业"),
    ("33", "大学专科肄业", "大专肄业"),
    ("40", "中等职业教育", "中职"),
    ("41", "中专"),
    ("44", "职高"),
    ("47", "技校"),
    ("60", "普通高级中学", "高中"),
    ("61", "普通高中毕业", "高中毕业"),
    ("62", "普通高中结业", "高中结业"),
    ("63", "普通高中肄业", "高中肄业"),
    ("70", "初级中学", "初中"),
    ("71", "初中毕业"),
    ("73", "初中肄业"),
    ("80", "小学"),
    ("81", "小学毕业"),
    ("83", "小学肄业"),
    ("90", "其他"),
]

_POLITICAL = [
    ("01", "中共党员"),
    ("02", "中共预备党员"),
    ("03", "共青团员"),
    ("04", "民革党员"),
    ("05", "民盟盟员"),
    ("06", "民建会员"),
    ("07", "民进会员"),
    ("08", "农工党党员"),
    ("09", "致公党党员"),
    ("10", "九三学社社员"),
    ("11", "台盟盟员"),
    ("12", "无党派人士"),
    ("13", "群众"),
]

_HUKOU = [("1", "非农业"), ("2", "农业"), ("3", "居民"), ("9", "其他")]

_ID_TYPE = [
    ("1", "居民身份证", "身份证"),
    ("2", "港澳台居民居住证", "港澳台居住证"),
    ("3", "护照"),
    ("4", "外国人永久居留身份证", "永久居留证"),
    ("9", "其他/暂无"),
]

_RESIDENCE = [("1", "人户一致"), ("2", "人在户不在"), ("3", "户在人不在")]

_MGMT = [("01", "户籍人口"), ("02", "流入人口"), ("03", "流出人口")]

_METHOD = [
    ("00", "无措施"),
    ("01", "男性绝育"),
    ("02", "女性绝育"),
    ("03", "宫内节育器"),
    ("04", "皮下埋植"),
    ("05", "口服避孕药"),
    ("06", "注射避孕针"),
    ("07", "避孕套"),
    ("08", "外用药"),
    ("09", "其他"),
]

_FAILURE = [("1", "放环失败"), ("2", "结扎失败"), ("3", "药具失败"), ("4", "复通")]

_OUTCOME = [
    ("1", "活产"),
    ("2", "死胎死产"),
    ("3", "自然流产"),
    ("4", "人工流产"),
    ("5", "药物流产"),
    ("6", "中期引产"),
    ("7", "异位妊娠"),
    ("9", "其他"),
]

_CANCEL = [
    ("01", "人口死亡登记", "死亡"),
    ("02", "迁出注销", "迁出"),
    ("03", "移交外省管理", "移交外省"),
    ("04", "重复人口注销", "重复人口"),
    ("05", "错误信息注销", "错误信息"),
    ("06", "迁往国(境)外", "出国(境)"),
    ("99", "其他"),
]

TABLES: dict[str, CodeTable] = {
    t.name: t
    for t in (
        _table("sex", "性别", _SEX),
        _table("marital_status", "婚姻状况", _MARITAL),
        _table("ethnicity", "民族", _ETHNICITY),
        _table("relation", "与户主关系", _RELATION),
        _table("education", "学历", _EDUCATION, parent_fallback=True),
        _table("political_status", "政治面貌", _POLITICAL),
        _table("hukou_nature", "户口性质", _HUKOU),
        _table("id_type", "证件类型", _ID_TYPE),
        _table("residence_status", "人户状况", _RESIDENCE),
        _table("mgmt", "管理属性", _MGMT),
        _table("contraception_method", "避孕节育措施", _METHOD),
        _table("contraception_failure", "避孕失败类型", _FAILURE),
        _table("pregnancy_outcome", "妊娠结局", _OUTCOME),
        _table("child_policy", "政策内外", [("1", "政策内"), ("2", "政策外")]),
        _table("child_blood", "血缘关系", [("1", "亲生"), ("2", "收养"), ("3", "继子女")]),
        _table("cancel_reason", "注销原因", _CANCEL),
        _table("household_kind", "户类别", [("family", "家庭户"), ("collective", "集体户")]),
        _table("household_status", "户状态", [("active", "正常"), ("closed", "已销户")]),
        _table(
            "unit_level",
            "单位级别",
            [("county", "县"), ("township", "乡镇"), ("village", "村"), ("group", "组")],
        ),
        _table("flow_type", "流动类型", [("inflow", "流入"), ("outflow", "流出")]),
        _table("benefit_kind", "扶助类别", [("reward", "奖励扶助"), ("special", "特别扶助")]),
        _table(
            "disabled_grade",
            "伤残等级",
            [
                ("1", "一级伤残", "一级"),
                ("2", "二级伤残", "二级"),
                ("3", "三级伤残", "三级"),
                ("4", "四级伤残", "四级"),
            ],
        ),
    )
}

# --- relation groups (docs/spec/domain.md §3.4, docs/spec/rules.md HH02–HH04) ---------------------------------------

HOUSEHOLDER = "02"
RELATION_SPOUSE: frozenset[str] = frozenset({"10", "11", "12"})
RELATION_PARENT_BLOOD: frozenset[str] = frozenset({"51", "52"})
RELATION_CHILD_BLOOD: frozenset[str] = frozenset(
    {"20", "21", "22", "23", "24", "25", "26", "29", "30", "31", "32", "33", "34", "35", "36", "39"}
)
RELATION_GRANDCHILD_BLOOD: frozenset[str] = frozenset({"40", "41", "42", "43", "44", "47", "48", "49"})

_MALE_RELATIONS = "11 20 21 22 23 24 25 26 27 28 29 41 43 46 47 51 53 55 57 61 63 66 71 73 76 78 81 83 85 87 89 93 95"
_FEMALE_RELATIONS = "12 30 31 32 33 34 35 36 37 38 39 42 44 45 48 52 54 56 58 62 64 67 72 74 75 77 82 84 86 88 90 94 96"
RELATION_SEX: dict[str, str] = dict.fromkeys(_MALE_RELATIONS.split(), "1") | dict.fromkeys(
    _FEMALE_RELATIONS.split(), "2"
)


def implied_sex(relation: str | None) -> str | None:
    """Sex code ("1"/"2") implied by a relation code, or None when the code implies none."""
    if relation is None:
        return None
    return RELATION_SEX.get(relation)


# --- contraception (docs/spec/domain.md §3.8, docs/spec/returns.md 避孕节育) -----------------------------------------

FEMALE_METHODS: frozenset[str] = frozenset({"02", "03", "04", "05", "06"})
STERILISATION: frozenset[str] = frozenset({"01", "02"})
NO_METHOD = "00"

# Statistical columns of the monthly return, in column order.
CONTRACEPTION_STAT_COLUMNS: tuple[str, ...] = (
    "男性绝育",
    "女性绝育",
    "宫内节育器",
    "皮下埋植",
    "口服及注射避孕药",
    "避孕套",
    "外用药",
    "其他",
)
# Method code → statistical column; 00 (no method) counts in no column.
CONTRACEPTION_STAT_COLUMN: dict[str, str | None] = {
    "00": None,
    "01": "男性绝育",
    "02": "女性绝育",
    "03": "宫内节育器",
    "04": "皮下埋植",
    "05": "口服及注射避孕药",
    "06": "口服及注射避孕药",
    "07": "避孕套",
    "08": "外用药",
    "09": "其他",
}


def all_label_texts() -> list[str]:
    """Every label and short label of every table (the keys of ``store.code_initials``)."""
    texts: list[str] = []
    seen: set[str] = set()
    for table in TABLES.values():
        for c in table.codes:
            for text in (c.label, c.short, *c.aliases):
                if text not in seen:
                    seen.add(text)
                    texts.append(text)
    return texts

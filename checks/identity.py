"""ID numbers (公民身份号码, GB 11643): format, check character, date, sex digit, region, legacy numbers.

The rules apply to persons whose ID is of type 1, or type 2 with an 81/82/83 residence-permit number, and
is not a placeholder (placeholders count as "no ID": REQ1/REQ7). Numbers are normalised before checking;
15-digit numbers are checked on their 18-digit upgrade. ID01 suppresses ID02–ID06, ID03 suppresses ID04.
"""

from __future__ import annotations

from checks.dates import fmt
from checks.model import T_IDCHK, Env, PersonView
from checks.registry import hit, rule
from store.regions import is_known_region


@rule("ID01", "E", "person", title="身份证号格式错误", fields=("id_number",), needs=T_IDCHK,
      message="身份证号 {id} 格式不对：应为 17 位数字加 1 位数字或 X（现为 {length} 位）。请对照证件重新录入。",
      example={"id": "43042619800312001", "length": 17},
      suppresses=("ID02", "ID03", "ID04", "ID05", "ID06"))  # fmt: skip
def id01(p: PersonView, env: Env) -> object:
    """An ID number of type 1 (or an 81/82/83 permit of type 2) is present but is not 17 digits followed by a
    digit or X. A 15-digit all-digit number is a legacy number (ID07), not a format error."""
    info = p.id_info
    if not info.format_ok:
        return hit(id=p.id_number, length=len(info.number))
    return None


@rule("ID02", "E", "person", title="身份证号校验位错误", fields=("id_number",), needs=T_IDCHK,
      message="身份证号 {id} 的校验位应为 {expected}，现为 {actual}。请核对身份证号。",
      example={"id": "430426198003120010", "expected": "9", "actual": "0"})  # fmt: skip
def id02(p: PersonView, env: Env) -> object:
    """An 18-digit number whose ISO 7064 MOD 11-2 check character is wrong; the message gives the right one."""
    info = p.id_info
    if info.checksum_ok is False:
        return hit(id=info.number, expected=info.expected_check, actual=info.number[17])
    return None


@rule("ID03", "E", "person", title="身份证号出生日期无效", fields=("id_number",), needs=T_IDCHK,
      message="身份证号 {id} 中的出生日期 {part} {why}。请核对身份证号。",
      example={"id": "430426198002300019", "part": "19800230", "why": "不是有效日期"},
      suppresses=("ID04",))  # fmt: skip
def id03(p: PersonView, env: Env) -> object:
    """The date part of the number (on the upgraded form for a 15-digit number) is not a real date, is
    before 1890-01-01, or is in the future."""
    info = p.id_info
    if not info.format_ok:
        return None
    born = info.birth_date
    if born is None:
        why = "不是有效日期"
    elif born < env.cfg.id_min_birth:
        why = f"早于 {env.cfg.id_min_birth.isoformat()}"
    elif born > env.cut:
        why = "在将来"
    else:
        return None
    return hit(id=info.number, part=info.date_part, why=why)


@rule("ID04", "E", "person", title="身份证号与出生日期不符", fields=("id_number", "birth_date"), needs=T_IDCHK,
      message="身份证号 {id} 中的出生日期为 {id_birth}，登记的出生日期为 {birth}。请核对两者，改正错误的一项。",
      example={"id": "430426198003120019", "id_birth": "1980-03-12", "birth": "1980-03-21"})  # fmt: skip
def id04(p: PersonView, env: Env) -> object:
    """The date part of the ID differs from the recorded birth date."""
    born = p.id_info.birth_date
    if born is not None and p.birth is not None and born != p.birth:
        return hit(id=p.id_info.number, id_birth=fmt(born), birth=fmt(p.birth))
    return None


_SEX = {"1": "男", "2": "女"}


@rule("ID05", "E", "person", title="身份证号与性别不符", fields=("id_number", "sex"), needs=T_IDCHK,
      message="身份证号 {id} 的性别码表示{id_sex}，登记的性别为{sex}。请核对性别或身份证号。",
      example={"id": "430426198003120019", "id_sex": "男", "sex": "女"})  # fmt: skip
def id05(p: PersonView, env: Env) -> object:
    """The parity of the ID's sex digit (odd = male, even = female) differs from the recorded sex. Persons
    whose sex is 0 or 9 are skipped."""
    info = p.id_info
    if info.format_ok and p.sx is not None and info.sex != p.sx:
        return hit(id=info.number, id_sex=_SEX[info.sex], sex=_SEX[p.sx])
    return None


@rule("ID06", "W", "person", title="身份证号地址码未知", fields=("id_number",), needs=T_IDCHK,
      message="身份证号 {id} 的前 6 位 {region} 不是任何版本 GB/T 2260 中的县级代码。请核对身份证号；确属旧代码可核实无误。",
      example={"id": "111111199901101514", "region": "111111"})  # fmt: skip
def id06(p: PersonView, env: Env) -> object:
    """The first 6 digits are not a county code of any GB/T 2260 revision (810000, 820000 and 830000 are
    valid). Address codes are historical, so this is only a warning."""
    info = p.id_info
    if info.format_ok and not is_known_region(info.region):
        return hit(id=info.number, region=info.region)
    return None


@rule("ID07", "W", "person", title="15 位旧身份证号", fields=("id_number",), needs=T_IDCHK,
      message="身份证号 {id} 是 15 位旧号码，对应的 18 位号码为 {upgrade}。请核对后改为 18 位号码。",
      example={"id": "610104620927690", "upgrade": "610104196209276908"})  # fmt: skip
def id07(p: PersonView, env: Env) -> object:
    """A 15-digit legacy number is stored; the message gives its 18-digit upgrade."""
    info = p.id_info
    if info.length_kind == "15" and info.format_ok:
        return hit(id=info.number, upgrade=info.canonical)
    return None

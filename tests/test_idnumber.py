"""Tests for store.idnumber (GB 11643 resident ID numbers)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.idnumber import (
    CHECK_BY_REMAINDER,
    WEIGHTS,
    IdInfo,
    check_char,
    date_of,
    is_placeholder,
    make_id,
    mask,
    normalize,
    parse,
    upgrade15,
)
from store.regions import is_known_region

DIGITS = "0123456789"

# ---------------------------------------------------------------------------------------------------
# Test vectors of docs/spec/domain.md §4.6
# ---------------------------------------------------------------------------------------------------

# (number, birth date, sex) of numbers that are fully valid (format, checksum, date, known region).
VALID_18 = [
    ("360426199101010071", date(1991, 1, 1), "1"),
    ("412723199010050012", date(1990, 10, 5), "1"),
    ("110102199101010078", date(1991, 1, 1), "1"),
    ("120110198012010073", date(1980, 12, 1), "1"),
    ("120110199212010072", date(1992, 12, 1), "1"),
    ("440308199901101512", date(1999, 1, 10), "1"),
    ("810000199408230021", date(1994, 8, 23), "2"),
    ("830000199201300022", date(1992, 1, 30), "2"),
    ("500154199804106120", date(1998, 4, 10), "2"),
    ("362324198001010014", date(1980, 1, 1), "1"),
    ("430302199312194239", date(1993, 12, 19), "1"),
    ("11010219900101002X", date(1990, 1, 1), "2"),
    # python-stdnum rejects these for the birth year only; the checksum and the code are fine.
    ("110111198012010078", date(1980, 12, 1), "1"),
    ("110201199312010077", date(1993, 12, 1), "1"),
    # id-validator's tests reject this one for the birth year only.
    ("500154199301135886", date(1993, 1, 13), "2"),
]


@pytest.mark.parametrize(("number", "birth", "sex"), VALID_18)
def test_valid_18_digit_vectors(number: str, birth: date, sex: str) -> None:
    info = parse(number)
    assert info.number == number
    assert info.canonical == number
    assert info.length_kind == "18"
    assert info.format_ok is True
    assert info.checksum_ok is True
    assert info.expected_check == number[17]
    assert info.birth_date == birth
    assert info.date_part == number[6:14]
    assert info.sex == sex
    assert info.region == number[:6]
    assert info.placeholder is False
    assert is_known_region(info.region)


def test_lower_case_x_is_normalised() -> None:
    info = parse("44011320141005001x")
    assert info.number == "44011320141005001X"
    assert info.canonical == "44011320141005001X"
    assert info.checksum_ok is True
    assert info.expected_check == "X"
    assert info.birth_date == date(2014, 10, 5)
    assert info.sex == "1"
    assert is_known_region("440113")


@pytest.mark.parametrize("number", ["810000199408230021", "830000199201300022"])
def test_hk_mo_tw_residence_permits(number: str) -> None:
    info = parse(number)
    assert info.checksum_ok is True
    assert is_known_region(info.region)
    assert is_known_region("810000")
    assert is_known_region("820000")
    assert is_known_region("830000")


def test_unknown_region_with_correct_checksum() -> None:
    info = parse("990426199112010074")
    assert info.format_ok is True
    assert info.checksum_ok is True
    assert info.birth_date == date(1991, 12, 1)
    assert not is_known_region(info.region)


def test_unknown_region_single_fault() -> None:
    info = parse("111111199901101514")
    assert info.checksum_ok is True
    assert info.birth_date == date(1999, 1, 10)
    assert not is_known_region("111111")


def test_bad_area_vector_also_has_wrong_check() -> None:
    info = parse("111111199901101512")
    assert info.format_ok is True
    assert info.checksum_ok is False
    assert info.expected_check == "4"
    assert not is_known_region(info.region)


def test_invalid_format_letter_in_region() -> None:
    info = parse("T60426199101010078")
    assert info.length_kind == "18"
    assert info.format_ok is False
    assert info.canonical is None
    assert info.checksum_ok is None
    assert info.expected_check is None
    assert info.birth_date is None
    assert info.sex is None
    assert info.region == ""


def test_month_13_is_not_a_date() -> None:
    info = parse("360426199113010079")
    assert info.format_ok is True
    assert info.checksum_ok is True
    assert info.birth_date is None
    assert info.date_part == "19911301"
    assert info.sex == "1"


@pytest.mark.parametrize(
    ("number", "expected"),
    [("36042619910102009X", "3"), ("440308199901101513", "2"), ("440308199901101512", "2")],
)
def test_checksum(number: str, expected: str) -> None:
    info = parse(number)
    assert info.expected_check == expected
    assert info.checksum_ok is (number[17] == expected)


def test_feb_30_with_wrong_check() -> None:
    info = parse("440308199902301512")
    assert info.checksum_ok is False
    assert info.expected_check == "6"
    assert info.birth_date is None
    assert info.date_part == "19990230"


def test_feb_30_single_fault() -> None:
    info = parse("440308199902301516")
    assert info.checksum_ok is True
    assert info.birth_date is None
    assert info.date_part == "19990230"
    assert info.sex == "1"


def test_future_birth_date_single_fault() -> None:
    info = parse("110102209901010013")
    assert info.checksum_ok is True
    assert info.birth_date == date(2099, 1, 1)
    assert info.birth_date > date.today()


def test_invalid_length() -> None:
    info = parse("44030819990110")
    assert info.length_kind == "invalid"
    assert info.format_ok is False
    assert info.canonical is None
    assert info.checksum_ok is None
    assert info.birth_date is None
    assert info.sex is None


def test_15_digit_female_upgrade() -> None:
    info = parse("610104620927690")
    assert info.length_kind == "15"
    assert info.format_ok is True
    assert info.checksum_ok is None
    assert info.expected_check is None
    assert info.canonical == "610104196209276908"
    assert info.birth_date == date(1962, 9, 27)
    assert info.date_part == "19620927"
    assert info.sex == "2"
    assert info.region == "610104"
    assert upgrade15("610104620927690") == "610104196209276908"


def test_15_digit_upgrade_with_x() -> None:
    assert upgrade15("110102900101002") == "11010219900101002X"
    info = parse("110102900101002")
    assert info.canonical == "11010219900101002X"
    assert info.sex == "2"
    assert parse(info.canonical).checksum_ok is True


def test_15_digit_bad_date() -> None:
    info = parse("610104620932690")
    assert info.format_ok is True
    assert info.birth_date is None
    assert info.date_part == "19620932"
    assert info.canonical == upgrade15("610104620932690")


def test_15_chars_not_all_digits() -> None:
    info = parse("61010462092769X")
    assert info.length_kind == "15"
    assert info.format_ok is False
    assert info.canonical is None


# ---------------------------------------------------------------------------------------------------
# Normalisation, placeholders, masking, argument checks
# ---------------------------------------------------------------------------------------------------


def test_normalize_spaces_and_full_width() -> None:
    assert normalize(" 4401 1320\t1410 0500 1x\n") == "44011320141005001X"
    assert normalize("４４０１１３２０１４１００５００１ｘ") == "44011320141005001X"
    assert normalize("４４０１１３\u3000２０１４１００５\u3000００１Ｘ") == "44011320141005001X"
    assert normalize("\ufeff440113\u200b20141005001x") == "44011320141005001X"
    assert normalize("") == ""


def test_parse_full_width_input() -> None:
    info = parse("４４０１１３\u3000２０１４１００５\u3000００１ｘ")
    assert info.number == "44011320141005001X"
    assert info.checksum_ok is True


@pytest.mark.parametrize(
    "number",
    ["0", "000000000000000", "000000000000000000", "000000199001010000", "000000000000000000000"],
)
def test_placeholders(number: str) -> None:
    assert is_placeholder(number)
    assert parse(number).placeholder


@pytest.mark.parametrize(
    "number",
    [
        "",
        "000000199001010001",
        "100000199001010000",
        "00000019900101000",
        "0000001990O1010000",
        "360426199101010071",
    ],
)
def test_not_placeholders(number: str) -> None:
    assert not is_placeholder(number)


def test_placeholder_parse_details() -> None:
    info = parse("000000199001010000")
    assert info.placeholder is True
    assert info.birth_date == date(1990, 1, 1)


def test_mask() -> None:
    assert mask("430426199001010019") == "4304…0019"
    assert mask("610104620927690") == "6101…7690"
    assert mask(None) == ""
    assert mask("") == ""
    assert mask("12345678") == "12345678"


def test_argument_errors() -> None:
    with pytest.raises(ValueError):
        check_char("1234")
    with pytest.raises(ValueError):
        check_char("1101021990010100A")
    with pytest.raises(ValueError):
        upgrade15("11010290010100")
    with pytest.raises(ValueError):
        make_id("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id("110102", date(1990, 1, 1), 1000)


def test_id_info_is_frozen() -> None:
    info = parse("360426199101010071")
    assert isinstance(info, IdInfo)
    with pytest.raises(AttributeError):
        info.number = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------------------------------

regions6 = st.text(alphabet=DIGITS, min_size=6, max_size=6)
births = st.dates(min_value=date(1890, 1, 1), max_value=date(2099, 12, 31))
seqs = st.integers(min_value=0, max_value=999)
valid_ids = st.builds(make_id, regions6, births, seqs)
digits17 = st.text(alphabet=DIGITS, min_size=17, max_size=17)
digits15 = st.text(alphabet=DIGITS, min_size=15, max_size=15)
id_like = st.text(
    alphabet=st.sampled_from([*DIGITS, "X", "x", " ", "\u3000", "０", "９", "ｘ", "Ｘ", "\t", "A", "-"]),
    max_size=22,
)


@given(digits17)
def test_check_char_matches_weight_definition(first17: str) -> None:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    assert check_char(first17) == CHECK_BY_REMAINDER[total % 11]


@given(regions6, births, seqs)
def test_make_id_round_trip(region: str, birth: date, seq: int) -> None:
    number = make_id(region, birth, seq)
    info = parse(number)
    assert len(number) == 18
    assert info.format_ok is True
    assert info.checksum_ok is True
    assert info.canonical == number
    assert info.region == region
    assert info.birth_date == birth
    assert info.sex == ("1" if seq % 2 else "2")


@given(valid_ids)
def test_every_single_digit_substitution_is_detected(number: str) -> None:
    for pos in range(17):
        for digit in DIGITS:
            if digit == number[pos]:
                continue
            changed = number[:pos] + digit + number[pos + 1 :]
            assert parse(changed).checksum_ok is False, changed


@given(valid_ids)
def test_every_adjacent_transposition_is_detected(number: str) -> None:
    for pos in range(16):
        a, b = number[pos], number[pos + 1]
        if a == b:
            continue
        swapped = number[:pos] + b + a + number[pos + 2 :]
        assert parse(swapped).checksum_ok is False, swapped


@given(digits15)
def test_upgrade15_consistent_with_15_digit_parse(number15: str) -> None:
    old = parse(number15)
    new = parse(upgrade15(number15))
    assert old.canonical == new.number
    assert new.checksum_ok is True
    assert new.birth_date == old.birth_date
    assert new.date_part == old.date_part
    assert new.sex == old.sex
    assert new.region == old.region


@given(st.one_of(st.text(), id_like))
def test_parse_never_raises(raw: str) -> None:
    info = parse(raw)
    assert info.number == normalize(raw)
    if info.format_ok:
        assert info.canonical is not None and len(info.canonical) == 18
        assert info.sex in ("1", "2")
        assert len(info.region) == 6
        assert len(info.date_part) == 8
    else:
        assert info.canonical is None
        assert info.sex is None
        assert info.birth_date is None


@given(st.one_of(st.text(), id_like))
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once
    assert "x" not in once
    assert not any(ch.isspace() for ch in once)


@given(st.one_of(st.text(), id_like))
def test_mask_never_raises(raw: str) -> None:
    masked = mask(raw)
    assert len(masked) <= max(9, len(raw))


def test_date_of() -> None:
    assert date_of("19800312") == date(1980, 3, 12)
    assert date_of("19990230") is None and date_of("20001301") is None
    assert parse("430426199902300013").birth_date is None  # the parser reads its dates the same way

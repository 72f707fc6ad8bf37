from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from templates.normalize import (
    normalize_date,
    normalize_id_number,
    normalize_money,
    normalize_mrz,
    normalize_name,
    normalize_phone,
    normalize_sex,
)
from templates.validators import (
    check_date_order,
    check_future_date,
    check_id_structure,
    check_mrz,
    check_past_date,
    mrz_check_digit,
    parse_chip_qr,
    parse_td1,
)
from templates.text import fold

# ICAO Doc 9303 part 5, TD1 specimen
ICAO_TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


@pytest.mark.parametrize(("raw", "iso"), [
    ("12/05/1995", "1995-05-12"), ("12-05-1995", "1995-05-12"), ("12.05.1995", "1995-05-12"),
    ("ngày 05 tháng 02 năm 2023", "2023-02-05"), ("Ngày 5 tháng 2 năm 2023", "2023-02-05"),
    ("ngay 05 thang 02 nam 2023", "2023-02-05"), ("1O/O5/1995", "1995-05-10"),
    ("Date of birth: 20/08/1983", "1983-08-20"),
])
def test_dates_normalize_to_iso(raw, iso):
    assert normalize_date(raw) == (iso, [])


@pytest.mark.parametrize(("raw", "problem"), [
    ("31/02/2000", "date_impossible"), ("00/13/2000", "date_impossible"),
    ("không rõ", "date_unreadable"),
])
def test_impossible_or_unreadable_dates(raw, problem):
    assert normalize_date(raw) == (None, [problem])


def test_other_normalizers():
    assert normalize_id_number("0790 9500 1234") == ("079095001234", [])
    assert normalize_id_number("O79O95OO1234") == ("079095001234", [])
    assert normalize_id_number("12345")[1] == ["id_number_length"]
    assert normalize_name(" nguyễn  văn an. ") == ("NGUYỄN VĂN AN", [])
    assert normalize_sex("Nữ") == ("Nữ", []) and normalize_sex("Nam_") == ("Nam", [])
    assert normalize_sex("Female") == ("Nữ", []) and normalize_sex("??")[0] is None
    assert normalize_money("50.000.000 đồng") == ("50000000", [])
    assert normalize_phone("+84 912 345 678") == ("0912345678", [])
    assert normalize_phone("0912.345.678") == ("0912345678", [])


def test_fold_keeps_length_and_drops_marks():
    text = "Họ, chữ đệm và tên khai sinh: ĐẶNG THỊ HƯƠNG"
    assert len(fold(text)) == len(text)
    assert fold(text) == "ho, chu dem va ten khai sinh: dang thi huong"


@pytest.mark.parametrize(("id_number", "dob", "sex", "problems"), [
    ("079095001234", "1995-05-12", "Nam", []),
    ("001301012345", "2001-03-04", "Nữ", []),
    ("003095001234", "1995-05-12", "Nam", ["id_province_code"]),  # 003 is not a province
    ("079295001234", "1995-05-12", "Nam", ["id_century_mismatch"]),
    ("079096001234", "1995-05-12", "Nam", ["id_birth_year_mismatch"]),
    ("079195001234", "1995-05-12", "Nam", ["id_sex_mismatch"]),
    ("07909500123", None, None, ["id_number_length"]),
    ("123456789", None, None, []),  # old 9-digit CMND
])
def test_personal_id_structure(id_number, dob, sex, problems):
    assert check_id_structure(id_number, date_of_birth=dob, sex=sex) == problems


def test_date_checks():
    today = date(2026, 11, 25)
    assert check_past_date("2030-01-01", today=today) == ["date_in_future"]
    assert check_past_date("1800-01-01", today=today) == ["date_too_old"]
    assert check_past_date("1995-05-12", today=today) == []
    assert check_future_date("2025-01-01", today=today) == ["document_expired"]
    assert check_future_date("2120-01-01", today=today) == ["expiry_implausible"]
    assert check_future_date("2035-05-12", today=today) == []
    assert check_date_order("1995-05-12", "2021-03-01", "2035-05-12")
    assert not check_date_order("1995-05-12", "1990-03-01", "2035-05-12")


def test_icao_specimen_check_digits_and_fields():
    assert check_mrz(ICAO_TD1) == []
    td1 = parse_td1(ICAO_TD1)
    assert (td1.document_number, td1.birth, td1.sex, td1.expiry) == ("D23145890", "740812", "F",
                                                                    "120415")
    assert td1.name == "ERIKSSON ANNA MARIA"
    assert mrz_check_digit("D23145890") == 7


@given(pos=st.integers(6, 13), digit=st.integers(0, 9))
def test_any_changed_document_number_digit_breaks_a_check_digit(pos, digit):
    lines = ICAO_TD1.split("\n")
    if lines[0][pos] == str(digit):
        return
    lines[0] = lines[0][:pos] + str(digit) + lines[0][pos + 1:]
    assert check_mrz("\n".join(lines))


def test_mrz_normalization_repairs_ocr_slips_on_vietnamese_cards():
    raw = ("IDVNMO79O95OO1234O79O95OO1234<<<\n95O512OM35O512OVNM<<<<<<<<<<<O\n"
           "NGUYEN<<VAN<AN")
    value, problems = normalize_mrz(raw)
    assert problems == []
    lines = value.split("\n")
    assert lines[0].startswith("IDVNM079095001234") and len(lines[2]) == 30
    assert normalize_mrz("just one line")[0] is None


def test_chip_qr_payload():
    qr = parse_chip_qr("079095001234|225123456|Nguyễn Văn An|12051995|Nam|"
                       "12 Lê Lợi, Hải Châu, Đà Nẵng|05022023")
    assert qr is not None
    assert (qr.id_number, qr.full_name, qr.date_of_birth, qr.sex, qr.issue_date) == (
        "079095001234", "Nguyễn Văn An", "1995-05-12", "Nam", "2023-02-05")
    assert parse_chip_qr("not|a|card") is None
    assert parse_chip_qr("12345|x|y|z|w|v|u") is None


def test_unusual_family_name_goes_to_review():
    from templates.validators import check_person_name

    assert check_person_name("HUỲNH THỊ HẢI") == []
    assert check_person_name("HƯỲNH THỊ HẢI") == ["unusual_surname"]

"""Labelled documents of every contract type, for extraction tests and benchmarks/accuracy.py.

``render_document(doc_type, seed)`` returns a ``SyntheticPage`` whose ``fields`` hold the values
the extractor must produce, already normalized as RESULT_CONTRACT.md says (ISO dates, upper-case
names, digits-only numbers).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import numpy as np
from PIL import Image, ImageDraw

from tests.synthetic import (
    A4_MM,
    PROVINCES,
    STREETS,
    WARDS,
    SyntheticPage,
    TruthLine,
    _render_rows,
    font,
    nfc,
    random_person,
)

CARD_MM = (85.6, 54.0)
CARD_DPI = 400

DOC_TYPES = ("cccd_front", "cccd_back", "lltp_request_form", "ct01_residence_form",
             "birth_certificate", "household_business_form", "land_change_form",
             "driver_license_form")


def iso(dmy: str) -> str:
    d, m, y = dmy.split("/")
    return date(int(y), int(m), int(d)).isoformat()


def _date_text(dmy: str, rng: random.Random) -> str:
    d, m, y = dmy.split("/")
    return rng.choice([dmy, f"{d}-{m}-{y}", f"ngày {d} tháng {m} năm {y}"])


def _person(seed: int) -> tuple[random.Random, dict[str, str]]:
    rng = random.Random(seed)
    return rng, random_person(rng)


def _expiry(dob: str, issue_year: int) -> str:
    """The holder's next 25th/40th/60th birthday after issue, and after today (cards in use)."""
    d, m, y = dob.split("/")
    for age in (25, 40, 60):
        if int(y) + age > max(issue_year, date.today().year + 1):
            return f"{d}/{m}/{int(y) + age}"
    return f"{d}/{m}/{int(y) + 80}"


def _a4(title: str, rows: list[str], rng: random.Random, addressee: str) -> tuple[np.ndarray, list[TruthLine]]:
    spec = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "serif-bold", "center"),
            ("Độc lập - Tự do - Hạnh phúc", "serif-bold", "center"),
            ("", "serif", "center"), (title, "serif-bold", "center"),
            (f"Kính gửi: {addressee}", "serif", "center"), ("", "serif", "center")]
    spec += [(r, "serif", "left") for r in rows]
    spec += [("", "serif", "left"),
             (f"{rng.choice(PROVINCES)}, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} năm 2025",
              "serif", "right"), ("Người làm đơn", "serif-bold", "right"),
             ("(Ký, ghi rõ họ tên)", "serif", "right")]
    return _render_rows(spec, dpi=300, size_mm=A4_MM, font_pt=12.0)


def lltp(seed: int, **printed: str) -> SyntheticPage:
    """The LLTP request form; ``printed`` replaces person values as printed (e.g. an
    impossible ``date_of_birth="31/02/1990"``, whose truth is then None)."""
    rng, p = _person(seed)
    p |= printed
    rows = [f"1. Họ và tên: {p['full_name']}", f"2. Giới tính: {p['sex']}",
            f"3. Ngày, tháng, năm sinh: {_date_text(p['date_of_birth'], rng)}",
            f"4. Nơi sinh: {p['place_of_birth']}", f"5. Quốc tịch: {p['nationality']}",
            f"6. Nơi cư trú: {p['residence']}", f"7. Số định danh cá nhân: {p['id_number']}",
            f"   Ngày cấp: {p['id_issue_date']}", f"8. Họ và tên cha: {p['father_name']}",
            f"9. Họ và tên mẹ: {p['mother_name']}",
            f"10. Mục đích yêu cầu cấp Phiếu: {p['purpose']}",
            "11. Số lượng Phiếu yêu cầu cấp: 01 bản"]
    image, lines = _a4("TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP", rows, rng,
                       f"Sở Tư pháp {p['place_of_birth']}")
    fields = {k: p[k] for k in ("full_name", "sex", "place_of_birth", "nationality", "residence",
                                "id_number", "father_name", "mother_name", "purpose")}
    fields |= {"date_of_birth": _iso_or_none(p["date_of_birth"]),
               "id_issue_date": _iso_or_none(p["id_issue_date"])}
    return SyntheticPage(image, 300.0, lines, fields, "lltp_request_form")


def _iso_or_none(dmy: str) -> str | None:
    try:
        return iso(dmy)
    except ValueError:
        return None


def ct01(seed: int) -> SyntheticPage:
    rng, p = _person(seed)
    phone = "0" + rng.choice("3579") + "".join(str(rng.randint(0, 9)) for _ in range(8))
    owner = random_person(rng)["full_name"]
    content = f"Đăng ký thường trú tại {p['residence']}"
    rows = [f"1. Họ, chữ đệm và tên: {p['full_name']}",
            f"2. Ngày, tháng, năm sinh: {_date_text(p['date_of_birth'], rng)}    3. Giới tính: {p['sex']}",
            f"4. Số định danh cá nhân: {p['id_number']}",
            f"5. Số điện thoại liên hệ: {phone}    6. Email: congdan{seed}@gmail.com",
            f"7. Họ, chữ đệm và tên chủ hộ: {owner}    8. Mối quan hệ với chủ hộ: Con",
            f"9. Nội dung đề nghị: {content}"]
    image, lines = _a4("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", rows, rng,
                       f"Công an {rng.choice(WARDS)}")
    fields = {"full_name": p["full_name"], "date_of_birth": iso(p["date_of_birth"]),
              "sex": p["sex"], "id_number": p["id_number"], "phone": phone, "content": content}
    return SyntheticPage(image, 300.0, lines, fields, "ct01_residence_form")


def birth(seed: int) -> SyntheticPage:
    rng, p = _person(seed)
    year = rng.randint(2005, 2024)
    dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    rows = [f"Họ, chữ đệm, tên: {p['full_name']}",
            f"Ngày, tháng, năm sinh: {dob}    Giới tính: {p['sex']}",
            "Dân tộc: Kinh    Quốc tịch: Việt Nam",
            f"Nơi sinh: Bệnh viện Đa khoa {p['place_of_birth']}",
            f"Quê quán: {rng.choice(PROVINCES)}",
            f"Họ, chữ đệm, tên người mẹ: {p['mother_name']}",
            f"Họ, chữ đệm, tên người cha: {p['father_name']}",
            f"Nơi đăng ký khai sinh: Ủy ban nhân dân {rng.choice(WARDS)}"]
    image, lines = _a4("GIẤY KHAI SINH", rows, rng, f"Ủy ban nhân dân {rng.choice(WARDS)}")
    fields = {"full_name": p["full_name"], "date_of_birth": iso(dob), "sex": p["sex"],
              "place_of_birth": f"Bệnh viện Đa khoa {p['place_of_birth']}",
              "father_name": p["father_name"], "mother_name": p["mother_name"]}
    return SyntheticPage(image, 300.0, lines, fields, "birth_certificate")


def household(seed: int) -> SyntheticPage:
    rng, p = _person(seed)
    trade = rng.choice(["Bán lẻ hàng tạp hóa", "Dịch vụ ăn uống", "Sửa chữa xe máy",
                        "May mặc quần áo", "Bán lẻ điện thoại di động"])
    business = f"HỘ KINH DOANH {p['full_name'].split()[-1]} {rng.randint(1, 99)}"
    capital = rng.choice([30, 50, 80, 100, 150, 200]) * 1_000_000
    address = f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, {rng.choice(WARDS)}"
    rows = [f"1. Tên hộ kinh doanh: {business}",
            f"2. Địa chỉ trụ sở hộ kinh doanh: {address}",
            f"3. Ngành, nghề kinh doanh: {trade}",
            f"4. Vốn kinh doanh: {capital:,}".replace(",", ".") + " đồng",
            f"5. Họ và tên chủ hộ kinh doanh: {p['full_name']}",
            f"   Số định danh cá nhân: {p['id_number']}"]
    image, lines = _a4("GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH", rows, rng,
                       "Phòng Tài chính - Kế hoạch")
    fields = {"business_name": business, "address": address, "business_lines": trade,
              "capital_vnd": str(capital), "owner_name": p["full_name"],
              "id_number": p["id_number"]}
    return SyntheticPage(image, 300.0, lines, fields, "household_business_form")


def land(seed: int) -> SyntheticPage:
    rng, p = _person(seed)
    parcel, sheet = str(rng.randint(1, 2500)), str(rng.randint(1, 80))
    change = rng.choice(["Chuyển nhượng quyền sử dụng đất", "Tặng cho quyền sử dụng đất",
                         "Thừa kế quyền sử dụng đất", "Đổi tên người sử dụng đất"])
    rows = ["1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất",
            f"   Họ và tên: {p['full_name']}",
            f"   Số định danh cá nhân: {p['id_number']}",
            f"   Địa chỉ: {p['residence']}",
            f"2. Thửa đất số: {parcel}    Tờ bản đồ số: {sheet}",
            f"3. Nội dung biến động: {change}"]
    image, lines = _a4("ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT", rows, rng,
                       "Văn phòng đăng ký đất đai")
    fields = {"applicant_name": p["full_name"], "id_number": p["id_number"],
              "address": p["residence"], "parcel_number": parcel, "map_sheet_number": sheet,
              "change_content": change}
    return SyntheticPage(image, 300.0, lines, fields, "land_change_form")


def driver(seed: int) -> SyntheticPage:
    rng, p = _person(seed)
    number = "".join(str(rng.randint(0, 9)) for _ in range(12))
    cls = rng.choice(["A1", "B1", "B2", "C", "D", "E"])
    rows = [f"Tôi là: {p['full_name']}",
            f"Ngày tháng năm sinh: {_date_text(p['date_of_birth'], rng)}",
            f"Số Căn cước công dân hoặc Số Chứng minh nhân dân: {p['id_number']}",
            f"Đã học lái xe tại: Trường Cao đẳng nghề {p['place_of_birth']} năm 2015",
            f"Hiện đã có giấy phép lái xe hạng: {cls}    Số giấy phép lái xe: {number}",
            f"Đề nghị cho tôi được đổi, cấp lại giấy phép lái xe cơ giới đường bộ hạng: {cls}",
            "Lý do: Giấy phép lái xe hết hạn sử dụng"]
    image, lines = _a4("ĐƠN ĐỀ NGHỊ ĐỔI, CẤP LẠI GIẤY PHÉP LÁI XE", rows, rng,
                       "Sở Giao thông vận tải")
    fields = {"full_name": p["full_name"], "date_of_birth": iso(p["date_of_birth"]),
              "id_number": p["id_number"], "license_number": number, "license_class": cls}
    return SyntheticPage(image, 300.0, lines, fields, "driver_license_form")


# ----------------------------------------------------------------------------- ID cards

def _card_canvas(rng: random.Random) -> tuple[Image.Image, ImageDraw.ImageDraw, int, int]:
    w = round(CARD_MM[0] / 25.4 * CARD_DPI)
    h = round(CARD_MM[1] / 25.4 * CARD_DPI)
    base = np.full((h, w, 3), (236, 242, 238), np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    base += 6 * np.sin(xx / 23.0 + yy / 31.0)[..., None]  # guilloche-like background
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    return img, ImageDraw.Draw(img), w, h


def _card_lines(draw: ImageDraw.ImageDraw, rows: list[tuple[str, str, int]], x: int, y: int,
                pitch: int) -> list[TruthLine]:
    lines = []
    for text, style, size in rows:
        f = font(style, size)
        draw.text((x, y), nfc(text), font=f, fill=(25, 25, 30))
        bb = draw.textbbox((x, y), nfc(text), font=f)
        lines.append(TruthLine(nfc(text), (bb[0], bb[1], bb[2], bb[3])))
        y += pitch
    return lines


def card_person(seed: int) -> dict[str, str]:
    rng, p = _person(seed)
    # holders born 1970 or later, so the card has an expiry date (none after 60)
    year = int(p["date_of_birth"][-4:])
    if year < 1970:
        p["date_of_birth"] = p["date_of_birth"][:-4] + str(1970 + year % 30)
        year = int(p["date_of_birth"][-4:])
        cs = (0 if year < 2000 else 2) + (0 if p["sex"] == "Nam" else 1)
        p["id_number"] = p["id_number"][:3] + str(cs) + f"{year % 100:02d}" + p["id_number"][6:]
    issue_year = rng.randint(2021, 2024)
    p["issue_date"] = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{issue_year}"
    p["expiry_date"] = _expiry(p["date_of_birth"], issue_year)
    p["place_of_origin"] = f"{rng.choice(WARDS)}, {rng.choice(PROVINCES)}"
    p["place_of_residence"] = f"{rng.choice(STREETS)}, {rng.choice(PROVINCES)}"
    return p


def cccd_front(seed: int, *, with_qr: bool = True) -> SyntheticPage:
    rng = random.Random(seed)
    p = card_person(seed)
    img, draw, w, h = _card_canvas(rng)
    s = CARD_DPI / 300
    draw.rectangle((round(40 * s), round(190 * s), round(250 * s), round(460 * s)),
                   fill=(180, 185, 190))  # photo
    x, pitch, small, big = round(270 * s), round(37 * s), round(22 * s), round(26 * s)
    rows = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "sans-bold", small),
            ("Độc lập - Tự do - Hạnh phúc", "sans-bold", small),
            ("CĂN CƯỚC CÔNG DÂN", "sans-bold", big),
            (f"Số / No.: {p['id_number']}", "sans-bold", big),
            ("Họ và tên / Full name:", "sans", small),
            (p["full_name"], "sans-bold", big),
            (f"Ngày sinh / Date of birth: {p['date_of_birth']}", "sans", small),
            (f"Giới tính / Sex: {p['sex']}   Quốc tịch / Nationality: Việt Nam", "sans", small),
            ("Quê quán / Place of origin:", "sans", small),
            (p["place_of_origin"], "sans", small),
            ("Nơi thường trú / Place of residence:", "sans", small),
            (p["place_of_residence"], "sans", small),
            (f"Có giá trị đến: {p['expiry_date']}", "sans", small)]
    lines = _card_lines(draw, rows, x, round(20 * s), pitch)
    if with_qr:
        import segno

        dob = p["date_of_birth"].replace("/", "")
        payload = "|".join([p["id_number"], "", p["full_name"], dob, p["sex"],
                            p["place_of_residence"], p["issue_date"].replace("/", "")])
        qr = segno.make(payload, error="m", encoding="utf-8")
        buf = __import__("io").BytesIO()
        qr.save(buf, kind="png", scale=4, border=2)
        qr_img = Image.open(buf).convert("RGB")
        side = round(150 * s)
        img.paste(qr_img.resize((side, side), Image.NEAREST), (w - side - round(20 * s), round(20 * s)))
    fields = {"id_number": p["id_number"], "full_name": p["full_name"],
              "date_of_birth": iso(p["date_of_birth"]), "sex": p["sex"],
              "nationality": "Việt Nam", "place_of_origin": p["place_of_origin"],
              "place_of_residence": p["place_of_residence"],
              "expiry_date": iso(p["expiry_date"])}
    return SyntheticPage(np.asarray(img), float(CARD_DPI), lines, fields, "cccd_front")


def mrz_lines(p: dict[str, str]) -> list[str]:
    from templates.validators import mrz_check_digit, mrz_name

    idn = p["id_number"]
    doc = idn[3:]
    l1 = f"IDVNM{doc}{mrz_check_digit(doc)}{idn}<<<"
    d, m, y = p["date_of_birth"].split("/")
    ed, em, ey = p["expiry_date"].split("/")
    birth, expiry = f"{y[2:]}{m}{d}", f"{ey[2:]}{em}{ed}"
    sex = "M" if p["sex"] == "Nam" else "F"
    l2 = f"{birth}{mrz_check_digit(birth)}{sex}{expiry}{mrz_check_digit(expiry)}VNM" + "<" * 11
    composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 += str(mrz_check_digit(composite))
    surname, *given = mrz_name(p["full_name"]).split()
    l3 = (surname + "<<" + "<".join(given)).ljust(30, "<")[:30]
    return [l1, l2, l3]


def cccd_back(seed: int) -> SyntheticPage:
    rng = random.Random(seed + 1)
    p = card_person(seed)
    img, draw, w, h = _card_canvas(rng)
    s = CARD_DPI / 300
    small = round(22 * s)
    rows = [("Đặc điểm nhân dạng / Personal identification:", "sans", small),
            ("Nốt ruồi C:1cm trên sau mép phải", "sans", small),
            (f"Ngày, tháng, năm / Date, month, year: {p['issue_date']}", "sans", small),
            ("CỤC TRƯỞNG CỤC CẢNH SÁT", "sans-bold", small),
            ("QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", "sans-bold", small)]
    lines = _card_lines(draw, rows, round(300 * s), round(30 * s), round(38 * s))
    draw.rectangle((round(30 * s), round(30 * s), round(140 * s), round(170 * s)),
                   fill=(200, 200, 205))  # fingerprints
    draw.rectangle((round(150 * s), round(30 * s), round(260 * s), round(170 * s)),
                   fill=(200, 200, 205))
    mono = font("mono", round(30 * s))
    y = h - round(3 * 42 * s) - round(18 * s)
    for line in mrz_lines(p):
        draw.text((round(40 * s), y), line, font=mono, fill=(20, 20, 20))
        bb = draw.textbbox((round(40 * s), y), line, font=mono)
        lines.append(TruthLine(line, (bb[0], bb[1], bb[2], bb[3])))
        y += round(42 * s)
    fields = {"issue_date": iso(p["issue_date"]), "mrz": "\n".join(mrz_lines(p))}
    return SyntheticPage(np.asarray(img), float(CARD_DPI), lines, fields, "cccd_back")


RENDERERS: dict[str, Callable[[int], SyntheticPage]] = {
    "cccd_front": cccd_front, "cccd_back": cccd_back, "lltp_request_form": lltp,
    "ct01_residence_form": ct01, "birth_certificate": birth,
    "household_business_form": household, "land_change_form": land,
    "driver_license_form": driver,
}


def render_document(doc_type: str, seed: int) -> SyntheticPage:
    return RENDERERS[doc_type](seed)


def card_sheet(seed: int, *, back_upside_down: bool = False) -> tuple[SyntheticPage, list[SyntheticPage]]:
    """An A4 photocopy carrying a card's front (top) and back (bottom), in gray, 300 dpi.

    Returns the sheet and the two card pages (their ``fields`` are the truth)."""
    front, back = cccd_front(seed), cccd_back(seed)
    w, h = round(A4_MM[0] / 25.4 * 300), round(A4_MM[1] / 25.4 * 300)
    sheet = np.full((h, w), 250, np.uint8)
    lines: list[TruthLine] = []
    for card, top in ((front, round(h * 0.12)), (back, round(h * 0.55))):
        img = np.asarray(Image.fromarray(card.image).convert("L").resize(
            (round(card.image.shape[1] * 300 / CARD_DPI), round(card.image.shape[0] * 300 / CARD_DPI)),
            Image.LANCZOS))
        img = (img.astype(np.float32) * 0.92).astype(np.uint8)  # copier darkens the card
        if card is back and back_upside_down:
            img = img[::-1, ::-1]
        left = (w - img.shape[1]) // 2
        sheet[top:top + img.shape[0], left:left + img.shape[1]] = img
        sheet[top - 2:top + img.shape[0] + 2, left - 2:left] = 90  # copier edge shadow
        sheet[top - 2:top, left - 2:left + img.shape[1] + 2] = 90
        lines += card.lines
    rgb = np.repeat(sheet[:, :, None], 3, axis=2)
    return SyntheticPage(rgb, 300.0, lines, {}, "card_sheet"), [front, back]

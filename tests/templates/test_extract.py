"""Field finding and dossier analysis on hand-made OCR output (no engine involved)."""

from __future__ import annotations

from ocr_server.result import LineResult, PageResult, WordResult
from templates.classify import classify_page
from templates.dossier import ReviewPolicy, analyze
from templates.extract import find_candidates
from templates.registry import default_registry
from tests.documents import mrz_lines


def page(lines: list[str], *, index: int = 0, card: bool = False, conf: float = 0.97,
         low: dict[str, float] | None = None, codes: list[str] | None = None,
         source: str | None = None) -> PageResult:
    """A page whose lines are stacked 60 px apart, words 20 px per character."""
    low = low or {}
    results, y = [], 100
    for text in lines:
        words, x = [], 100
        for w in text.split():
            words.append(WordResult(text=w, confidence=low.get(w, conf),
                                    bbox=(x, y, x + 20 * len(w), y + 40)))
            x += 20 * (len(w) + 1)
        results.append(LineResult(text=" ".join(text.split()), confidence=conf,
                                  bbox=(100, y, max(x - 20, 101), y + 40), words=words))
        y += 60
    w, h, dpi = (1011, 638, 300) if card else (2480, 3508, 300)
    return PageResult(index=index, source=source or f"p{index}.png", width=w, height=h, dpi=dpi,
                      skew_deg=0.0, rotation_deg=0, text="\n".join(r.text for r in results),
                      lines=results, codes=codes or [])


FORM = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP",
    "1. Họ và tên: NGUYỄN VĂN AN",
    "2. Giới tính: Nam 3. Ngày, tháng, năm sinh: 12/05/1995",
    "4. Nơi sinh: Đà Nẵng",
    "5. Quốc tịch: Việt Nam",
    "6. Nơi cư trú: Số 12 đường Lê Lợi, Phường Hải Châu",
    "7. Số định danh cá nhân: 048095001234",
    "Ngày cấp: 05/02/2023",
    "8. Họ và tên cha: NGUYỄN VĂN BÌNH",
    "9. Họ và tên mẹ: TRẦN THỊ LAN",
    "10. Mục đích yêu cầu cấp Phiếu: Đổi tên người sử dụng đất",
    "11. Số lượng Phiếu yêu cầu cấp: 01 bản",
]


def test_labels_values_and_longest_label_wins():
    spec = default_registry().get("lltp_request_form")
    found = find_candidates(spec, [page(FORM)])
    assert found["full_name"].raw == "NGUYỄN VĂN AN"  # not "Họ và tên cha"
    assert found["father_name"].raw == "NGUYỄN VĂN BÌNH"
    assert found["sex"].raw == "Nam"  # cut before the next numbered label
    assert found["date_of_birth"].raw == "12/05/1995"
    assert found["id_number"].raw == "048095001234"
    assert found["purpose"].raw == "Đổi tên người sử dụng đất"
    x0, y0, x1, y1 = found["full_name"].bbox
    assert (y0, y1) == (220, 260) and x0 > 100  # the value's words, not the label's


def test_labels_survive_diacritic_slips():
    spec = default_registry().get("lltp_request_form")
    slipped = [line.replace("Họ và tên:", "Ho va tến:") for line in FORM]
    assert find_candidates(spec, [page(slipped)])["full_name"].raw == "NGUYỄN VĂN AN"


def test_value_below_its_label_on_a_card():
    spec = default_registry().get("cccd_front")
    card = page(["CĂN CƯỚC CÔNG DÂN", "Số / No.: 048095001234", "Họ và tên / Full name:",
                 "NGUYỄN VĂN AN", "Ngày sinh / Date of birth: 12/05/1995"], card=True)
    found = find_candidates(spec, [card])
    assert found["full_name"].raw == "NGUYỄN VĂN AN"
    assert found["id_number"].raw == "048095001234"


def test_classification_uses_text_and_page_size():
    registry = default_registry()
    assert classify_page(page(FORM), registry).type == "lltp_request_form"
    # the same words on a card-sized page are not an A4 form
    assert classify_page(page(FORM, card=True), registry).type == "unknown"
    assert classify_page(page(["Hóa đơn bán hàng", "Tổng cộng: 50.000"]), registry).type == "unknown"


def _card_pages(person: dict[str, str], *, start: int, qr: str | None = None) -> list[PageResult]:
    front = page(["CĂN CƯỚC CÔNG DÂN", f"Số / No.: {person['id_number']}",
                  "Họ và tên / Full name:", person["full_name"],
                  f"Ngày sinh / Date of birth: {person['date_of_birth']}",
                  f"Giới tính / Sex: {person['sex']} Quốc tịch / Nationality: Việt Nam",
                  "Quê quán / Place of origin:", "Xã Hòa Phước, Đà Nẵng",
                  "Nơi thường trú / Place of residence:", "Lê Lợi, Đà Nẵng",
                  f"Có giá trị đến: {person['expiry_date']}"],
                 index=start, card=True, conf=0.85, codes=[qr] if qr else [])
    back = page(["Đặc điểm nhân dạng / Personal identification:", "Nốt ruồi",
                 f"Ngày, tháng, năm / Date, month, year: {person['issue_date']}",
                 "CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
                 *mrz_lines(person)], index=start + 1, card=True)
    return [front, back]


PERSON = {"id_number": "048095001234", "full_name": "NGUYỄN VĂN AN", "sex": "Nam",
          "date_of_birth": "12/05/1995", "expiry_date": "12/05/2035", "issue_date": "05/02/2023"}


def test_cross_checks_confirm_card_fields_and_the_form():
    pages = [page(FORM), *_card_pages(PERSON, start=1)]
    docs = analyze(pages, default_registry(), ReviewPolicy(accept_confidence=0.9))
    assert [d.type for d in docs] == ["lltp_request_form", "cccd_front", "cccd_back"]
    front, back = docs[1].fields, docs[2].fields
    # OCR confidence 0.85 alone would send these to review; the MRZ agrees, so they pass
    for name in ("id_number", "full_name", "date_of_birth", "sex", "expiry_date"):
        assert front[name].status == "accepted", name
        assert front[name].confidence >= 0.99
    assert front["place_of_origin"].status == "needs_review"  # nothing else confirms it
    assert back["mrz"].status == "accepted" and back["issue_date"].value == "2023-02-05"
    assert docs[0].fields["id_number"].status == "accepted"


def test_form_and_card_that_disagree_go_to_review():
    form = [line.replace("048095001234", "048095001299") for line in FORM]
    docs = analyze([page(form), *_card_pages(PERSON, start=1)], default_registry(),
                   ReviewPolicy())
    field = docs[0].fields["id_number"]
    assert field.status == "needs_review" and "mismatch_cccd_front" in field.problems


def test_qr_code_confirms_and_contradicts():
    qr = "048095001234||NGUYỄN VĂN AN|12051995|Nam|Lê Lợi, Đà Nẵng|05022023"
    docs = analyze(_card_pages(PERSON, start=0, qr=qr)[:1], default_registry(), ReviewPolicy())
    assert docs[0].fields["full_name"].status == "accepted"
    wrong = qr.replace("12051995", "12051996")
    docs = analyze(_card_pages(PERSON, start=0, qr=wrong)[:1], default_registry(),
                   ReviewPolicy())
    assert "mismatch_qr" in docs[0].fields["date_of_birth"].problems


def test_low_confidence_and_invalid_values_are_never_accepted():
    form = [line.replace("12/05/1995", "31/02/1995") for line in FORM]
    docs = analyze([page(form, low={"BÌNH": 0.6})], default_registry(), ReviewPolicy())
    fields = docs[0].fields
    assert fields["date_of_birth"].status == "needs_review"
    assert "date_impossible" in fields["date_of_birth"].problems
    assert fields["father_name"].status == "needs_review"
    assert fields["mother_name"].status == "accepted"


def test_an_unknown_page_after_a_form_page_of_the_same_file_continues_it():
    pages = [page(FORM, source="form.pdf#1"),
             page(["Tôi xin cam đoan những lời khai trên là đúng sự thật."], index=1,
                  source="form.pdf#2"),
             page(["Biên lai thu tiền"], index=2, source="other.png")]
    docs = analyze(pages, default_registry(), ReviewPolicy())
    assert [(d.type, d.pages) for d in docs] == [("lltp_request_form", [0, 1]), ("unknown", [2])]


def test_label_words_inside_a_value_are_not_a_label():
    spec = default_registry().get("birth_certificate")
    lines = ["GIẤY KHAI SINH", "Họ, chữ đệm, tên: TRẦN VĂN AN",
             "Họ, chữ đệm, tên người cha: PHAN ĐỨC GIANG",
             "Họ, chữ đệm, tên người mẹ: ĐỖ THỊ TUẤN"]
    found = find_candidates(spec, [page(lines)])
    assert found["father_name"].raw == "PHAN ĐỨC GIANG"
    assert found["mother_name"].raw == "ĐỖ THỊ TUẤN"
    assert found["full_name"].raw == "TRẦN VĂN AN"


def test_a_new_document_type_is_one_yaml_file(tmp_path):
    import shutil

    from templates.registry import DEFINITIONS, TemplateRegistry

    for path in DEFINITIONS.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "marriage_certificate.yaml").write_text("""\
type: marriage_certificate
title: Giấy chứng nhận kết hôn
layout: a4
classify:
  keywords: ["GIẤY CHỨNG NHẬN KẾT HÔN", "Họ, chữ đệm, tên chồng", "Họ, chữ đệm, tên vợ"]
fields:
  husband_name: {kind: name, labels: ["Họ, chữ đệm, tên chồng"], validators: [person_name]}
  wife_name: {kind: name, labels: ["Họ, chữ đệm, tên vợ"], validators: [person_name]}
  registration_date: {kind: date, labels: ["Ngày đăng ký"], validators: [past_date]}
""", encoding="utf-8")
    registry = TemplateRegistry.from_directory(tmp_path)
    lines = ["GIẤY CHỨNG NHẬN KẾT HÔN", "Họ, chữ đệm, tên chồng: LÊ VĂN NAM",
             "Họ, chữ đệm, tên vợ: TRẦN THỊ MAI", "Ngày đăng ký: ngày 02 tháng 09 năm 2024"]
    [doc] = analyze([page(lines)], registry, ReviewPolicy())
    assert doc.type == "marriage_certificate"
    assert {k: f.value for k, f in doc.fields.items()} == {
        "husband_name": "LÊ VĂN NAM", "wife_name": "TRẦN THỊ MAI",
        "registration_date": "2024-09-02"}

"""What each field problem code means, in Vietnamese and English (shown to reviewers).

Codes are stable API (they appear in ``fields.*.problems`` of the result); the messages are not.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": ("Không tìm thấy trên giấy tờ", "Not found on the document"),
    "date_unreadable": ("Ngày không đọc được; nhập dạng ngày/tháng/năm, ví dụ 12/05/1995",
                        "Date not readable; type day/month/year, e.g. 12/05/1995"),
    "date_impossible": ("Ngày không tồn tại (ví dụ 31/02)", "No such date (e.g. 31 February)"),
    "date_in_future": ("Ngày ở tương lai", "Date is in the future"),
    "date_too_old": ("Ngày trước năm 1900", "Date before 1900"),
    "date_order": ("Thứ tự ngày không hợp lý (ngày cấp trước ngày sinh, hết hạn trước ngày cấp)",
                   "Dates out of order (issued before birth, or expiring before issue)"),
    "document_expired": ("Giấy tờ đã hết hạn", "The document has expired"),
    "expiry_implausible": ("Ngày hết hạn quá xa", "Expiry date implausibly far ahead"),
    "id_number_length": ("Số định danh phải có 12 chữ số (CMND cũ: 9)",
                         "ID number must have 12 digits (old CMND: 9)"),
    "id_province_code": ("Ba số đầu không phải mã tỉnh/thành phố",
                         "The first three digits are not a province code"),
    "id_century_mismatch": ("Chữ số thế kỷ/giới tính không khớp năm sinh",
                            "Century digit does not match the year of birth"),
    "id_birth_year_mismatch": ("Hai số năm sinh trong số định danh không khớp ngày sinh",
                               "The birth-year digits do not match the date of birth"),
    "id_sex_mismatch": ("Chữ số giới tính không khớp giới tính",
                        "The sex digit does not match the sex"),
    "name_empty": ("Họ tên trống", "Name is empty"),
    "name_single_word": ("Họ tên chỉ có một từ", "Name has a single word"),
    "unusual_surname": ("Họ không thường gặp; kiểm tra lại", "Unusual family name; check it"),
    "sex_unreadable": ("Giới tính phải là Nam hoặc Nữ", "Sex must be Nam or Nữ"),
    "money_unreadable": ("Số tiền không đọc được", "Amount not readable"),
    "text_empty": ("Giá trị trống", "Value is empty"),
    "phone_unreadable": ("Số điện thoại không đọc được", "Phone number not readable"),
    "phone_format": ("Số điện thoại phải có 10 chữ số, bắt đầu bằng 0",
                     "Phone number must have 10 digits starting with 0"),
    "code_empty": ("Mã trống", "Code is empty"),
    "mrz_unreadable": ("Dòng MRZ phải có 3 dòng, mỗi dòng 30 ký tự",
                       "The MRZ must be three lines of 30 characters"),
    "mismatch_qr": ("Khác với mã QR trên thẻ", "Differs from the card's QR code"),
    "mismatch_mrz": ("Khác với dòng MRZ ở mặt sau", "Differs from the MRZ on the back"),
    "mismatch_cccd_front": ("Khác với mặt trước thẻ căn cước",
                            "Differs from the front of the ID card"),
}
_MRZ_CHECK = ("Sai số kiểm tra MRZ", "MRZ check digit wrong")


def describe(code: str, lang: str = "vi") -> str:
    """The message for a problem code; unknown codes are shown as they are."""
    vi, en = MESSAGES.get(code) or (_MRZ_CHECK if code.startswith("mrz_check_") else (code, code))
    return vi if lang == "vi" else en

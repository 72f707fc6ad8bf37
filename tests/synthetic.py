"""Generated Vietnamese administrative pages with known ground truth, and degradations.

Importable by tests and benchmarks. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))
FONT_FILES = {
    "serif": ("NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "serif-bold": ("NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "sans": ("NotoSans-Regular.ttf", "DejaVuSans.ttf"),
    "sans-bold": ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "NotoSansMono-Regular.ttf"),
}

A4_MM = (210.0, 297.0)

SURNAMES = ["NGUYỄN", "TRẦN", "LÊ", "PHẠM", "HOÀNG", "HUỲNH", "PHAN", "VŨ", "VÕ", "ĐẶNG", "BÙI",
            "ĐỖ", "HỒ", "NGÔ", "DƯƠNG", "LÝ"]
MIDDLE = ["VĂN", "THỊ", "HỮU", "ĐỨC", "THANH", "MINH", "NGỌC", "QUỐC", "XUÂN", "THU", "HOÀNG"]
GIVEN = ["AN", "BÌNH", "CƯỜNG", "DŨNG", "GIANG", "HẢI", "HẠNH", "HƯƠNG", "KHÁNH", "LAN", "LỢI",
         "MAI", "NAM", "NGHĨA", "PHƯƠNG", "QUÂN", "THẢO", "TRUNG", "TUẤN", "VIỆT", "YẾN", "ĐẠT"]
PROVINCES = ["Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nghệ An",
             "Thanh Hóa", "Quảng Nam", "Thừa Thiên Huế", "Bình Định", "Đắk Lắk", "Lâm Đồng"]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
           "Phan Đình Phùng", "Điện Biên Phủ", "Võ Thị Sáu", "Nguyễn Huệ", "Bạch Đằng"]
WARDS = ["Phường Bến Nghé", "Phường Hải Châu", "Xã Hòa Phước", "Phường Tràng Tiền",
         "Xã Điện Ngọc", "Phường Thạch Thang", "Xã Quỳnh Lưu"]
PURPOSES = ["Bổ sung hồ sơ xin việc làm", "Du học tại nước ngoài", "Xin cấp giấy phép lao động",
            "Kết hôn với người nước ngoài", "Thành lập doanh nghiệp"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=32)
def font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    """A TrueType font with Vietnamese coverage (Noto, else DejaVu)."""
    for name in FONT_FILES[style]:
        for folder in FONT_DIRS:
            path = folder / name
            if path.exists():
                return ImageFont.truetype(str(path), size_px)
    raise FileNotFoundError(f"no font for {style}: install fonts-noto-core or fonts-dejavu-core")


@dataclass(frozen=True)
class TruthLine:
    text: str
    bbox: tuple[int, int, int, int]


@dataclass
class SyntheticPage:
    """A rendered page and what is printed on it.

    Attributes:
        image: H×W×3 uint8 RGB.
        dpi: resolution of ``image``.
        lines: printed lines in reading order, bboxes in ``image`` pixels.
        fields: field name -> value as printed (NFC).
        doc_type: contract document type id.
    """

    image: NDArray[np.uint8]
    dpi: float
    lines: list[TruthLine]
    fields: dict[str, str] = field(default_factory=dict)
    doc_type: str = "unknown"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def random_person(rng: random.Random) -> dict[str, str]:
    """A made-up citizen: name, sex, dates, places, parents, ID number (12 digits)."""
    sex = rng.choice(["Nam", "Nữ"])
    middle = "THỊ" if sex == "Nữ" and rng.random() < 0.6 else rng.choice(MIDDLE)
    surname = rng.choice(SURNAMES)
    year = rng.randint(1960, 2004)
    dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    century_sex = (0 if year < 2000 else 2) + (0 if sex == "Nam" else 1)
    id_number = f"{rng.choice(['001', '048', '079', '040', '049', '031'])}{century_sex}{year % 100:02d}{rng.randint(0, 999999):06d}"
    province = rng.choice(PROVINCES)
    return {
        "full_name": f"{surname} {middle} {rng.choice(GIVEN)}",
        "sex": sex,
        "date_of_birth": dob,
        "place_of_birth": province,
        "nationality": "Việt Nam",
        "residence": f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, {rng.choice(WARDS)}, {province}",
        "id_number": id_number,
        "id_issue_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2021, 2024)}",
        "father_name": f"{surname} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        "mother_name": f"{rng.choice(SURNAMES)} THỊ {rng.choice(GIVEN)}",
        "purpose": rng.choice(PURPOSES),
    }


def render_lltp_form(seed: int = 0, *, dpi: int = 300) -> SyntheticPage:
    """An A4 criminal-record request form (Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp), filled in."""
    rng = random.Random(seed)
    p = random_person(rng)
    header = [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "serif-bold", "center"),
        ("Độc lập - Tự do - Hạnh phúc", "serif-bold", "center"),
        ("", "serif", "center"),
        ("TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP", "serif-bold", "center"),
        ("Kính gửi: Sở Tư pháp " + p["place_of_birth"], "serif", "center"),
        ("", "serif", "center"),
    ]
    body = [
        f"1. Họ và tên: {p['full_name']}",
        f"2. Giới tính: {p['sex']}",
        f"3. Ngày, tháng, năm sinh: {p['date_of_birth']}",
        f"4. Nơi sinh: {p['place_of_birth']}",
        f"5. Quốc tịch: {p['nationality']}",
        f"6. Nơi cư trú: {p['residence']}",
        f"7. Số định danh cá nhân: {p['id_number']}",
        f"   Ngày cấp: {p['id_issue_date']}",
        f"8. Họ và tên cha: {p['father_name']}",
        f"9. Họ và tên mẹ: {p['mother_name']}",
        f"10. Mục đích yêu cầu cấp Phiếu: {p['purpose']}",
        "11. Số lượng Phiếu yêu cầu cấp: 01 bản",
        "Tôi xin cam đoan những lời khai trên là đúng sự thật và chịu trách nhiệm về lời khai của mình.",
    ]
    rows = header + [(text, "serif", "left") for text in body]
    rows += [("", "serif", "left"), (f"{p['place_of_birth']}, ngày 05 tháng 02 năm 2025", "serif", "right"),
             ("Người khai", "serif-bold", "right"), ("(Ký, ghi rõ họ tên)", "serif", "right")]
    image, lines = _render_rows(rows, dpi=dpi, size_mm=A4_MM, font_pt=12.5)
    return SyntheticPage(image, float(dpi), lines, {k: nfc(v) for k, v in p.items()},
                         "lltp_request_form")


def render_text_page(seed: int = 0, *, dpi: int = 300, n_lines: int = 28) -> SyntheticPage:
    """An A4 page of administrative prose under the national motto, for OCR accuracy."""
    rng = random.Random(seed)
    p = random_person(rng)
    sentences = [
        f"Ông/bà {p['full_name'].title()} sinh ngày {p['date_of_birth']} tại {p['place_of_birth']}.",
        f"Nơi cư trú hiện nay: {p['residence']}.",
        "Bưu điện tiếp nhận hồ sơ, hướng dẫn công dân và trả kết quả giải quyết thủ tục hành chính.",
        "Hồ sơ gồm tờ khai, bản sao căn cước công dân và các giấy tờ liên quan khác.",
        "Cán bộ một cửa kiểm tra tính đầy đủ, hợp lệ của hồ sơ trước khi số hóa.",
        f"Số định danh cá nhân: {p['id_number']}, cấp ngày {p['id_issue_date']}.",
        "Thời hạn giải quyết không quá mười ngày làm việc kể từ ngày nhận đủ hồ sơ.",
        "Kết quả được gửi qua dịch vụ bưu chính công ích đến địa chỉ của người yêu cầu.",
        "Trường hợp hồ sơ chưa đầy đủ, cán bộ hướng dẫn người nộp bổ sung một lần.",
        f"Mục đích sử dụng: {p['purpose'].lower()}; lệ phí theo quy định hiện hành.",
    ]
    rows = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "serif-bold", "center"),
            ("Độc lập - Tự do - Hạnh phúc", "serif-bold", "center"),
            ("", "serif", "center"),
            ("THÔNG BÁO TIẾP NHẬN HỒ SƠ", "serif-bold", "center")]
    max_w = 0.8
    for i in range(n_lines):
        rows.append((sentences[i % len(sentences)], "serif", "left"))
    image, lines = _render_rows(rows, dpi=dpi, size_mm=A4_MM, font_pt=12.0, max_width_frac=max_w)
    return SyntheticPage(image, float(dpi), lines, {}, "unknown")


def _render_rows(rows: list[tuple[str, str, str]], *, dpi: int, size_mm: tuple[float, float],
                 font_pt: float, max_width_frac: float = 0.84) -> tuple[NDArray[np.uint8], list[TruthLine]]:
    w = round(size_mm[0] / 25.4 * dpi)
    h = round(size_mm[1] / 25.4 * dpi)
    img = Image.new("RGB", (w, h), (252, 251, 248))
    draw = ImageDraw.Draw(img)
    size_px = round(font_pt / 72 * dpi)
    margin_x = round(w * (1 - max_width_frac) / 2)
    y = round(h * 0.07)
    lines: list[TruthLine] = []
    for text, style, align in rows:
        text = nfc(text)
        f = font(style, size_px)
        if text:
            for chunk in _wrap(text, f, w - 2 * margin_x):
                left, top, right, bottom = draw.textbbox((0, 0), chunk, font=f)
                tw = right - left
                x = {"left": margin_x, "center": (w - tw) // 2, "right": w - margin_x - tw}[align]
                draw.text((x, y), chunk, font=f, fill=(20, 20, 25))
                bb = draw.textbbox((x, y), chunk, font=f)
                lines.append(TruthLine(chunk, (bb[0], bb[1], bb[2], bb[3])))
                y += round(size_px * 1.55)
        else:
            y += round(size_px * 1.0)
    return np.asarray(img), lines


def _wrap(text: str, f: ImageFont.FreeTypeFont, width: int) -> list[str]:
    words, out, current = text.split(" "), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if f.getlength(trial) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out


# ---------------------------------------------------------------- degradations (new arrays)

def rotate_quarter(image: NDArray[np.uint8], angle_ccw_deg: int) -> NDArray[np.uint8]:
    """Turn the page counter-clockwise by 90/180/270 (as a sheet fed in sideways)."""
    return np.ascontiguousarray(np.rot90(image, k=angle_ccw_deg // 90))


def skew(image: NDArray[np.uint8], angle_ccw_deg: float) -> NDArray[np.uint8]:
    """Rotate counter-clockwise by a small angle, keeping the size, paper-coloured corners."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle_ccw_deg, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(250, 250, 250))


def add_noise(image: NDArray[np.uint8], sigma: float = 12.0, seed: int = 0) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    noisy = image.astype(np.float32) + rng.normal(0, sigma, image.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def blur(image: NDArray[np.uint8], sigma: float = 1.2) -> NDArray[np.uint8]:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def resample_dpi(image: NDArray[np.uint8], dpi_from: float, dpi_to: float) -> NDArray[np.uint8]:
    f = dpi_to / dpi_from
    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)


def uneven_light(image: NDArray[np.uint8], seed: int = 0) -> NDArray[np.uint8]:
    """A lamp on one side: brightness falls to about a third across the page."""
    h, w = image.shape[:2]
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.35, 1.0, w, dtype=np.float32)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    shade = ramp[None, :] * np.linspace(0.8, 1.0, h, dtype=np.float32)[:, None]
    return (image.astype(np.float32) * shade[..., None]).astype(np.uint8)


def phone_photo(image: NDArray[np.uint8], seed: int = 0, *,
                tilt_deg: float | None = None) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The page photographed from an angle on a wooden desk.

    The camera leans ``tilt_deg`` (random up to 20° when None) towards one edge, so that edge
    appears shorter (keystone), plus a little hand-held jitter. Returns (photo, 3×3 homography
    page -> photo).
    """
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    tilt = rng.uniform(0, 20) if tilt_deg is None else tilt_deg
    squeeze = 0.5 * (1 - math.cos(math.radians(tilt))) + 0.35 * math.sin(math.radians(tilt)) / 2
    out_w, out_h = round(w * 1.2), round(h * 1.15)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    x0, y0, x1, y1 = 0.1 * w, 0.07 * h, 1.1 * w, 1.07 * h
    # the edge farthest from the camera appears shorter; which edge that is, is random
    far = int(rng.integers(0, 4))  # 0 top, 1 right, 2 bottom, 3 left
    dx, dy = squeeze * w, squeeze * h
    quad = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])  # tl, tr, br, bl: page upright
    ends = {0: ((0, dx, 0), (1, -dx, 0)), 1: ((1, 0, dy), (2, 0, -dy)),
            2: ((3, dx, 0), (2, -dx, 0)), 3: ((0, 0, dy), (3, 0, -dy))}[far]
    for corner, ox, oy in ends:
        quad[corner] += (ox, oy)
    jitter = rng.uniform(-0.02, 0.02, (4, 2)) * [w, h]
    dst = (quad + jitter).astype(np.float32)
    hmat = cv2.getPerspectiveTransform(src, dst)
    desk = _wood(out_h, out_w, rng)
    warped = cv2.warpPerspective(image, hmat, (out_w, out_h), dst=desk,
                                 borderMode=cv2.BORDER_TRANSPARENT)
    shade = np.linspace(0.85, 1.0, out_w, dtype=np.float32)[None, :, None]
    return np.clip(warped * shade, 0, 255).astype(np.uint8), hmat


def _wood(h: int, w: int, rng: np.random.Generator) -> NDArray[np.uint8]:
    """A textured desk: dark wood grain with noise."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grain = np.sin(xx / 7.0 + 3.0 * np.sin(yy / 60.0)) * 14 + rng.normal(0, 8, (h, w))
    base = np.array([82, 58, 40], np.float32)
    return np.clip(base[None, None, :] + grain[..., None], 0, 255).astype(np.uint8)


def encode(image: NDArray[np.uint8], fmt: str = "png", *, quality: int = 90, dpi: float | None = None) -> bytes:
    """Encode an RGB array as PNG/JPEG/TIFF bytes (with dpi metadata when given)."""
    buf = io.BytesIO()
    kwargs: dict[str, object] = {}
    if dpi:
        kwargs["dpi"] = (dpi, dpi)
    if fmt == "jpeg":
        kwargs["quality"] = quality
    Image.fromarray(image).save(buf, format=fmt.upper(), **kwargs)
    return buf.getvalue()


def character_error_rate(truth: str, hypothesis: str) -> float:
    """Levenshtein distance / len(truth), after NFC and whitespace normalisation."""
    from rapidfuzz.distance import Levenshtein

    t = " ".join(nfc(truth).split())
    hyp = " ".join(nfc(hypothesis).split())
    return Levenshtein.distance(t, hyp) / max(1, len(t))


def angle_difference_deg(a: float, b: float) -> float:
    d = (a - b + 180.0) % 360.0 - 180.0
    return abs(d) if not math.isnan(d) else math.inf

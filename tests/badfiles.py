"""Hostile and broken inputs, written to a folder (shared by CLI and API tests)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pikepdf

from tests.synthetic import encode, render_text_page


def png_bomb_header(width: int = 40000, height: int = 40000) -> bytes:
    """A PNG that claims width×height pixels (1.6 Gpixel) with a tiny compressed body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def small_jpeg() -> bytes:
    page = render_text_page(seed=11, n_lines=4)
    return encode(page.image[::4, ::4].copy(), "jpeg", quality=80)


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    return buf.getvalue()


def write_bad_files(folder: Path) -> dict[str, Path]:
    """Each bad input by the name of the case."""
    jpeg = small_jpeg()
    cases = {
        "empty": ("empty.jpg", b""),
        "truncated_jpeg": ("truncated.jpg", jpeg[: len(jpeg) // 2]),
        "not_an_image": ("notes.png", "Đây không phải là ảnh.\n".encode() * 20),
        "pixel_bomb": ("bomb.png", png_bomb_header()),
        "encrypted_pdf": ("locked.pdf", encrypted_pdf()),
        "corrupt_pdf": ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\n"
                                      b"garbage garbage\n%%EOF"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case, (name, data) in cases.items():
        path = folder / name
        path.write_bytes(data)
        paths[case] = path
    return paths

from __future__ import annotations

import pytest

from ocr_server.errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    UnreadableImageError,
    UnsupportedTypeError,
)
from ocr_server.loading import inspect_file, load_page, sniff_kind
from tests.badfiles import write_bad_files
from tests.synthetic import encode, render_text_page

EXPECTED = {
    "empty": EmptyFileError,
    "not_an_image": UnsupportedTypeError,
    "pixel_bomb": ImageTooLargeError,
    "encrypted_pdf": EncryptedPdfError,
    "corrupt_pdf": CorruptPdfError,
}


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return write_bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_files_are_refused_at_inspection_with_the_file_name(bad, case):
    path = bad[case]
    with pytest.raises(EXPECTED[case]) as info:
        inspect_file(path, name=path.name, max_pixels=200_000_000, pdf_dpi=300)
    assert path.name in str(info.value)
    assert info.value.exit_code == 2


def test_truncated_jpeg_passes_inspection_but_not_decoding(bad):
    path = bad["truncated_jpeg"]
    [ref] = inspect_file(path, name=path.name, max_pixels=200_000_000, pdf_dpi=300)
    with pytest.raises(UnreadableImageError, match="truncated.jpg"):
        load_page(ref, index=0, pdf_dpi=300)


def test_type_is_sniffed_from_content_not_name(tmp_path):
    png_named_jpg = tmp_path / "scan.jpg"
    png_named_jpg.write_bytes(encode(render_text_page(1, n_lines=2).image[::6, ::6].copy(), "png"))
    [ref] = inspect_file(png_named_jpg, name="scan.jpg", max_pixels=10**9, pdf_dpi=300)
    assert ref.kind == "png"
    assert sniff_kind(b"GIF89a") is None


def test_multipage_tiff_lists_every_frame_and_names_them(tmp_path):
    from PIL import Image

    frames = [Image.new("L", (200, 280), v) for v in (255, 200, 150)]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200))
    refs = inspect_file(path, name="scan.tif", max_pixels=10**9, pdf_dpi=300)
    assert [r.source for r in refs] == ["scan.tif#1", "scan.tif#2", "scan.tif#3"]
    page = load_page(refs[2], index=2, pdf_dpi=300)
    assert page.image.shape == (280, 200, 3) and page.image[0, 0, 0] == 150
    assert page.dpi == 200
    assert not page.image.flags.writeable


def test_pixel_cap_applies_per_pdf_page_at_raster_dpi(tmp_path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    path = tmp_path / "a4.pdf"
    pdf.save(path)
    assert len(inspect_file(path, name="a4.pdf", max_pixels=9_000_000, pdf_dpi=300)) == 1
    with pytest.raises(ImageTooLargeError, match="a4.pdf"):
        inspect_file(path, name="a4.pdf", max_pixels=8_000_000, pdf_dpi=300)

"""The scan-quality gate on generated pages: it must flag bad scans and leave good ones alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from preprocessing.binarize import to_gray
from preprocessing.quality import MESSAGES, assess_quality
from tests.documents import DOC_TYPES, render_document
from tests.synthetic import add_noise, blur, resample_dpi

SEEDS = (2, 7)


def _glare(img):
    h, w = img.shape[:2]
    out = img.copy()
    cv2.ellipse(out, (w // 2, h // 2), (w // 6, h // 8), 0, 0, 360, (255, 255, 255), -1)
    return out


def _cases():
    for doc_type in DOC_TYPES:
        card = doc_type.startswith("cccd")
        for seed in SEEDS:
            page = render_document(doc_type, seed)
            img, dpi = page.image, page.dpi
            h, w = img.shape[:2]
            yield "clean", None, img, dpi, card
            yield "clean", None, add_noise(img, 12, seed), dpi, card
            yield "clean", None, blur(img, 0.6), dpi, card  # a soft but readable scan
            yield "bad", "blurred", blur(img, 2.5 * dpi / 300), dpi, card
            yield "bad", "too_dark", (img * 0.35).astype(np.uint8), dpi, card
            yield "bad", "overexposed", (img * 0.25 + 190).astype(np.uint8), dpi, card
            yield "bad", "low_resolution", resample_dpi(img, dpi, 100), 100.0, card
            if card:
                yield "bad", "glare", _glare(img), dpi, card
            else:
                yield "bad", "cut_off", img[:, int(0.11 * w):].copy(), dpi, card


@pytest.fixture(scope="module")
def verdicts():
    out = []
    for kind, expected, img, dpi, card in _cases():
        gray = to_gray(img)
        before = gray.copy()
        found = {i.code for i in assess_quality(gray, dpi=dpi, card=card)}
        assert np.array_equal(gray, before)
        out.append((kind, expected, found))
    return out


def test_flags_at_least_95_percent_of_bad_scans(verdicts):
    bad = [(e, f) for k, e, f in verdicts if k == "bad"]
    caught = sum(e in f for e, f in bad)
    assert caught / len(bad) >= 0.95, [(e, f) for e, f in bad if e not in f]


def test_flags_at_most_2_percent_of_good_scans(verdicts):
    good = [f for k, _, f in verdicts if k == "clean"]
    flagged = sum(bool(f) for f in good)
    assert flagged / len(good) <= 0.02, [f for f in good if f]


def test_every_problem_has_a_message_in_both_languages():
    for code, (vi, en) in MESSAGES.items():
        assert vi and en and vi != en, code

"""Find a template's fields on OCRed pages: by printed label, the line below it, or a pattern.

Pure functions over ``PageResult`` lines (text, words with confidences, boxes in the pixels of
the page as uploaded). Labels are matched on folded text (no diacritics, lower case), so OCR's
slips on tone marks do not hide a label; values are cut from the original NFC text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ocr_server.result import LineResult, PageResult
from templates.normalize import DIGIT_LOOKALIKES
from templates.spec import FieldSpec, TemplateSpec
from templates.text import fold

BBox = tuple[int, int, int, int]
LABEL_MIN_SCORE = 88.0
SHORT_LABEL = 6  # folded labels shorter than this must match whole words exactly
_SEPARATORS = " :;.,/|-–_…·\t"
_MRZ_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<«‹")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[a-zđ])[.)]\s*")
_TRAILING_NUMBER = re.compile(r"\s+\d{1,2}[.)]?\s*$")
WRAP_FULL_LINE = 0.85  # a line reaching this share of the widest line may continue below


def looks_like_mrz(text: str) -> bool:
    """A line of an ICAO machine-readable zone, even as OCR garbles a few characters."""
    compact = text.upper().replace(" ", "")
    if not 24 <= len(compact) <= 36 or compact.count("<") < 2:
        return False
    return sum(c in _MRZ_CHARS for c in compact) >= 0.8 * len(compact)


@dataclass(frozen=True)
class Candidate:
    """The raw text found for a field, where it is, and how sure the OCR was of it."""

    raw: str
    page: int
    bbox: BBox
    confidence: float


@dataclass(frozen=True)
class _LabelHit:
    field: str
    line: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class _Line:
    page: int
    line: LineResult
    folded: str
    box: BBox  # in the upright page (the upload turned by ``rotation_deg``), for geometry


def _lines(pages: list[PageResult]) -> list[_Line]:
    return [_Line(p.index, ln, fold(ln.text), upright_box(ln.bbox, p))
            for p in pages for ln in p.lines]


def upright_box(box: BBox, page: PageResult) -> BBox:
    """A box of the uploaded page, in the page turned upright (small skew ignored)."""
    x0, y0, x1, y1 = box
    w, h = page.width, page.height
    return {0: box, 90: (h - y1, x0, h - y0, x1), 180: (w - x1, h - y1, w - x0, h - y0),
            270: (y0, w - x1, y1, w - x0)}[page.rotation_deg]


def _label_hits(template: TemplateSpec, lines: list[_Line]) -> list[_LabelHit]:
    """Every label occurrence, overlapping hits resolved in favour of the longer label."""
    hits: list[_LabelHit] = []
    for name, spec in template.fields.items():
        for label in spec.labels:
            flabel = fold(label)
            for i, ln in enumerate(lines):
                hit = _match(flabel, ln.folded)
                if hit is not None and _is_label_position(ln.folded, hit[0], hit[1]):
                    hits.append(_LabelHit(name, i, hit[0], hit[1], hit[2]))
    hits.sort(key=lambda h: (h.line, -h.score, -(h.end - h.start)))
    kept: list[_LabelHit] = []
    for h in hits:
        if any(k.line == h.line and h.start < k.end and k.start < h.end for k in kept):
            continue  # the better match wins; at equal scores the longer label
            # ("Họ và tên cha" over "Họ và tên")
        kept.append(h)
    kept.sort(key=lambda h: (h.line, h.start))
    return kept


def _is_label_position(fline: str, start: int, end: int) -> bool:
    """Labels end a word and end in a colon or start their line; the same words inside a
    value do not."""
    if end < len(fline) and fline[end].isalnum() and fline[end - 1].isalnum():
        return False
    if ":" in fline[end:end + 3]:
        return True
    numbering = _NUMBERING.match(fline)
    return start <= (numbering.end() if numbering else 0) + 1


def _match(flabel: str, fline: str) -> tuple[int, int, float] | None:
    if len(flabel) < SHORT_LABEL:
        m = re.search(rf"(?<!\w){re.escape(flabel)}(?!\w)", fline)
        return (m.start(), m.end(), 100.0) if m else None
    if len(fline) < 0.8 * len(flabel):
        return None
    found = fuzz.partial_ratio_alignment(flabel, fline, score_cutoff=LABEL_MIN_SCORE)
    if found is None or found.dest_end - found.dest_start < 0.8 * len(flabel):
        return None
    return found.dest_start, found.dest_end, found.score


def find_candidates(template: TemplateSpec, pages: list[PageResult]) -> dict[str, Candidate]:
    """The first reading of each field of ``template`` on ``pages`` (absent when not found)."""
    lines = _lines(pages)
    hits = _label_hits(template, lines)
    found: dict[str, Candidate] = {}
    for name, spec in template.fields.items():
        cand = (_find_mrz(lines) if spec.kind == "mrz"
                else _find_by_label(name, spec, lines, hits))
        if cand is not None:
            found[name] = cand
    return found


def _find_by_label(name: str, spec: FieldSpec, lines: list[_Line],
                   hits: list[_LabelHit]) -> Candidate | None:
    for hit in (h for h in hits if h.field == name):
        ln = lines[hit.line]
        following = [h for h in hits if h.line == hit.line and h.start >= hit.end]
        end = len(ln.line.text)
        if following:
            end = following[0].start
            cut = _TRAILING_NUMBER.search(ln.line.text[hit.end:end])
            if cut:  # "… 0912345678 6. Email:" -> drop the "6." of the next field
                end = hit.end + cut.start()
        cand = _span(ln, hit.end, end, spec)
        if cand is not None and not following and spec.kind in ("text", "name"):
            cand = _continue_wrapped(cand, lines, hit.line, hits, spec)
        if cand is None and spec.below:
            below = _line_below(lines, hit.line, hits)
            if below is not None:
                nxt = [h for h in hits if h.line == below]
                cand = _span(lines[below], 0, nxt[0].start if nxt else len(lines[below].line.text),
                             spec)
        if cand is not None:
            return cand
    return None


def _continue_wrapped(cand: Candidate, lines: list[_Line], i: int, hits: list[_LabelHit],
                      spec: FieldSpec) -> Candidate:
    """Append the next line when this one ran to the right margin (a wrapped value)."""
    ln = lines[i]
    page_boxes = [x.box for x in lines if x.page == ln.page]
    left = min(b[0] for b in page_boxes)
    widest = max(b[2] for b in page_boxes) - left
    if ln.box[2] - left < WRAP_FULL_LINE * widest:
        return cand
    j = _line_below(lines, i, hits)
    if j is None or any(h.line == j for h in hits) or _NUMBERING.match(lines[j].folded):
        return cand  # a labelled or numbered line starts something new
    nxt = lines[j]
    height = ln.box[3] - ln.box[1]
    if nxt.box[1] - ln.box[3] > height or abs(nxt.box[0] - left) > 2 * height:
        return cand
    more = _span(nxt, 0, len(nxt.line.text), spec)
    if more is None:
        return cand
    text = ln.line.text.rstrip()
    tail = text[len(text.rstrip(_SEPARATORS)):]  # the comma the value ended with, if any
    if not text.endswith(cand.raw + tail):
        tail = ""
    box = (min(cand.bbox[0], more.bbox[0]), min(cand.bbox[1], more.bbox[1]),
           max(cand.bbox[2], more.bbox[2]), max(cand.bbox[3], more.bbox[3]))
    return Candidate(cand.raw + tail + " " + more.raw, cand.page, box,
                     min(cand.confidence, more.confidence))


def _line_below(lines: list[_Line], i: int, hits: list[_LabelHit]) -> int | None:
    """The next line on the same page, if it does not start with a label of its own."""
    j = i + 1
    if j >= len(lines) or lines[j].page != lines[i].page:
        return None
    if any(h.line == j and h.start <= 3 for h in hits):
        return None
    return j


def _span(ln: _Line, start: int, end: int, spec: FieldSpec) -> Candidate | None:
    text = ln.line.text
    while start < end and text[start] in _SEPARATORS:
        start += 1
    while end > start and text[end - 1] in _SEPARATORS:
        end -= 1
    if start >= end:
        return None
    if spec.pattern:
        segment = text[start:end]
        m = re.search(spec.pattern, segment)
        if m is None and spec.kind in ("id_number", "phone", "code", "money", "date"):
            m = re.search(spec.pattern, segment.translate(DIGIT_LOOKALIKES))
        if m is None:
            return None
        start, end = start + m.start(), start + m.end()
    conf, bbox = _words_in(ln.line, start, end)
    return Candidate(text[start:end], ln.page, bbox, conf)


def _words_in(line: LineResult, start: int, end: int) -> tuple[float, BBox]:
    """Least confidence and union box of the words overlapping ``[start, end)`` of the text."""
    if not line.words:
        return line.confidence, line.bbox
    picked, pos = [], 0
    for word in line.words:
        w_start, w_end = pos, pos + len(word.text)
        if w_start < end and start < w_end:
            picked.append(word)
        pos = w_end + 1
    if not picked:
        return line.confidence, line.bbox
    return (min(w.confidence for w in picked),
            (min(w.bbox[0] for w in picked), min(w.bbox[1] for w in picked),
             max(w.bbox[2] for w in picked), max(w.bbox[3] for w in picked)))


def _find_mrz(lines: list[_Line]) -> Candidate | None:
    """Three consecutive MRZ-looking lines (the last three that qualify on a page)."""
    rows = [i for i, ln in enumerate(lines) if looks_like_mrz(ln.line.text)]
    for k in range(len(rows) - 3, -1, -1):
        a, b, c = rows[k:k + 3]
        if b == a + 1 and c == b + 1 and lines[a].page == lines[c].page:
            group = [lines[a].line, lines[b].line, lines[c].line]
            box = (min(ln.bbox[0] for ln in group), min(ln.bbox[1] for ln in group),
                   max(ln.bbox[2] for ln in group), max(ln.bbox[3] for ln in group))
            return Candidate("\n".join(ln.text for ln in group), lines[a].page, box,
                             min(ln.confidence for ln in group))
    return None

"""Page classification into contract document types, from printed phrases and page size."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from ocr_server.result import PageResult
from templates.registry import TemplateRegistry
from templates.text import fold

KEYWORD_MIN_SCORE = 85.0
CARD_MAX_LONG_SIDE_MM = 110.0  # an ID card is 85.6 mm wide; A5 and up are forms


@dataclass(frozen=True)
class Classification:
    type: str
    confidence: float


def page_layout(page: PageResult) -> str:
    long_side_mm = max(page.width, page.height) / max(page.dpi, 1) * 25.4
    return "id_card" if long_side_mm <= CARD_MAX_LONG_SIDE_MM else "a4"


def classify_page(page: PageResult, registry: TemplateRegistry) -> Classification:
    """The best-matching type whose layout fits the page, or ``unknown``.

    The confidence is the share of the type's keywords found, lowered when a second type
    scores nearly as well.
    """
    text = fold(page.text)
    layout = page_layout(page)
    scores: list[tuple[float, str]] = []
    for spec in registry:
        if spec.layout != layout:
            continue
        hits = sum(1 for kw in spec.classify.keywords
                   if fuzz.partial_ratio(fold(kw), text) >= KEYWORD_MIN_SCORE)
        share = hits / len(spec.classify.keywords)
        if share >= spec.classify.min_score:
            scores.append((share, spec.type))
    if not scores:
        return Classification("unknown", 0.0)
    scores.sort(reverse=True)
    best, doc_type = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    confidence = best * (1.0 - 0.5 * runner_up / best)
    return Classification(doc_type, round(confidence, 3))

"""Command line: ``ocr-server process FILE... --out DIR``."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from ocr_server.config import PipelineSettings
from ocr_server.errors import InputError, OcrServerError
from ocr_server.pipeline import InputFile, process_dossier
from ocr_server.procedures import REQUIRED_DOCUMENTS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ocr-server", description="Vietnamese dossier OCR server.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    proc = sub.add_parser("process", help="digitize the FILEs of one dossier")
    proc.add_argument("files", nargs="+", type=Path, metavar="FILE",
                      help="JPEG, PNG, TIFF or PDF pages of one dossier, in order")
    proc.add_argument("--out", required=True, type=Path, metavar="DIR",
                      help="directory for dossier.json and dossier.pdf")
    proc.add_argument("--procedure", choices=sorted(REQUIRED_DOCUMENTS), default=None,
                      help="procedure code, to list missing documents")
    proc.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                      help="pages processed in parallel (default: CPU count)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "process":
            return _process(args)
    except InputError as exc:
        print(f"ocr-server: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OcrServerError as exc:
        print(f"ocr-server: {exc.code}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ocr-server: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback
        if os.environ.get("OCR_SERVER_DEBUG"):
            raise
        print(f"ocr-server: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _process(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    for path in args.files:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    files = [InputFile(path=p, name=p.name) for p in args.files]
    result = process_dossier(
        files, out_dir=args.out, dossier_id=uuid.uuid4().hex, procedure=args.procedure,
        settings=PipelineSettings(), jobs=args.jobs,
    )
    print(f"{args.out / 'dossier.json'}: {len(result.pages)} page(s), status {result.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

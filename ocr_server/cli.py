"""Command line: ``ocr-server process FILE... --out DIR``."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import ENGINE_NAMES
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
    proc.add_argument("--engine", choices=ENGINE_NAMES, default=None,
                      help="OCR engine (default: OCR_SERVER_ENGINE, else tesseract)")
    proc.add_argument("--pdfa", action="store_true",
                      help="write dossier.pdf as PDF/A-2b (archival)")
    proc.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                      help="pages processed in parallel (default: CPU count)")
    serve = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    worker = sub.add_parser("worker", help="run one RQ worker")
    worker.add_argument("--queues", default="counter,bulk",
                        help="comma-separated, in priority order (default: counter,bulk)")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.add_argument("--name", default=None, metavar="NAME",
                        help="worker name shown in RQ's registries (default: a random id); "
                             "e.g. the machine's name, to see which host ran a page")
    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    create = keys_sub.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--role", required=True, choices=["counter", "reviewer", "admin"])
    create.add_argument("--name", default="")
    archive = sub.add_parser("archive", help="bulk digitization of scanned archives")
    archive_sub = archive.add_subparsers(dest="archive_command", required=True)
    asub = archive_sub.add_parser(
        "submit", help="submit folders of scans on the bulk queue and follow them; "
                       "run it again to resume (what was submitted is skipped)")
    asub.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                      help="files or folders (walked recursively)")
    asub.add_argument("--batch", required=True, metavar="NAME", help="batch name (for report)")
    asub.add_argument("--dossier-per-folder", action="store_true",
                      help="one dossier per folder instead of one per file")
    asub.add_argument("--procedure", choices=sorted(REQUIRED_DOCUMENTS), default=None)
    asub.add_argument("--pdfa", action="store_true", help="PDF/A-2b output")
    asub.add_argument("--engine", choices=ENGINE_NAMES, default=None, help="OCR engine")
    asub.add_argument("--no-wait", action="store_true", help="submit, then exit")
    areport = archive_sub.add_parser("report", help="CSV and HTML report of a batch")
    areport.add_argument("batch", metavar="NAME")
    areport.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                         help="where NAME.csv and NAME.html go (default: here)")
    purge = sub.add_parser("purge", help="delete dossiers (and their files) past retention")
    purge.add_argument("--older-than-days", type=int, metavar="N", default=None,
                       help="default: OCR_SERVER_RETENTION_DAYS")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_sub.add_parser("upgrade", help="apply migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "process":
            return _process(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "worker":
            from workers.main import run_worker

            queues = [q.strip() for q in args.queues.split(",") if q.strip()]
            unknown = [q for q in queues if q not in ("counter", "bulk")]
            if unknown or not queues:
                raise InputError(f"--queues: unknown queue(s) {unknown}; use counter,bulk")
            run_worker(queues, burst=args.burst, name=args.name)
            return 0
        if args.command == "keys":
            return _create_key(args)
        if args.command == "purge":
            return _purge(args)
        if args.command == "archive":
            from ocr_server.archive_cli import run_archive

            return run_archive(args)
        if args.command == "db":
            from ocr_server.config import ServerSettings
            from ocr_server.store.database import prepare_storage

            server = ServerSettings()
            prepare_storage(server.data_dir, server.db_url)
            return 0
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
        settings=PipelineSettings(**({"engine": args.engine} if args.engine else {})),
        jobs=args.jobs, pdfa=args.pdfa,
    )
    print(f"{args.out / 'dossier.json'}: {len(result.pages)} page(s), status {result.status}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ocr_server.api.app import create_app
    from ocr_server.api.timeouts import header_timeout_protocol
    from ocr_server.config import ServerSettings
    from ocr_server.store.database import prepare_storage

    server = ServerSettings()
    prepare_storage(server.data_dir, server.db_url)
    uvicorn.run(create_app(server), host=args.host, port=args.port, log_level="info",
                http=header_timeout_protocol(server.header_timeout_s))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from redis import Redis

    from ocr_server.config import ServerSettings
    from ocr_server.retention import purge_older_than
    from ocr_server.store.blobs import open_blob_store
    from ocr_server.store.database import Database, prepare_storage

    server = ServerSettings()
    days = args.older_than_days or server.retention_days
    if days is None or days < 1:
        raise InputError("give --older-than-days N (N >= 1) or set OCR_SERVER_RETENTION_DAYS")
    prepare_storage(server.data_dir, server.db_url)
    db, blobs, redis = Database(server.db_url), open_blob_store(server), Redis.from_url(
        server.redis_url)
    total = 0
    while n := purge_older_than(days, db=db, blobs=blobs, redis=redis):  # 500 at a time
        total += n
    print(f"purged {total} dossier(s) older than {days} days")
    return 0


def _create_key(args: argparse.Namespace) -> int:
    from ocr_server.config import ServerSettings
    from ocr_server.store.database import Database, prepare_storage
    from ocr_server.store.keys import create_key

    server = ServerSettings()
    prepare_storage(server.data_dir, server.db_url)
    db = Database(server.db_url)
    with db.session() as s:
        key = create_key(s, role=args.role, name=args.name)
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())

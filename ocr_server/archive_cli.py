"""The ``ocr-server archive`` commands (argument handling and output only)."""

from __future__ import annotations

import argparse
import re
import sys

from ocr_server.errors import InputError

BATCH_NAME = re.compile(r"^[\w.\-]{1,200}$")


def run_archive(args: argparse.Namespace) -> int:
    from redis import Redis

    from ocr_server import archive
    from ocr_server.archive_report import build_report, write_csv, write_html
    from ocr_server.config import PipelineSettings, ServerSettings
    from ocr_server.store.blobs import open_blob_store
    from ocr_server.store.database import Database, prepare_storage

    if not BATCH_NAME.match(args.batch):
        raise InputError("batch name: letters, digits, '.', '-' and '_' only (at most 200)")
    planned = archive.plan(args.paths, per_folder=args.dossier_per_folder) \
        if args.archive_command == "submit" else []
    server = ServerSettings()
    prepare_storage(server.data_dir, server.db_url)
    db = Database(server.db_url)
    if args.archive_command == "report":
        with db.session() as s:
            report = build_report(s, args.batch)
        if report is None:
            raise InputError(f"no batch named {args.batch!r}")
        args.out.mkdir(parents=True, exist_ok=True)
        csv_path, html_path = args.out / f"{args.batch}.csv", args.out / f"{args.batch}.html"
        write_csv(report, csv_path)
        write_html(report, html_path)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.status_counts.items()))
        print(f"{args.batch}: {len(report.rows)} dossiers ({counts}), {report.pages} pages, "
              f"{report.pages_per_min:.1f} pages/min, {report.fields_to_review} fields to "
              f"review, {len(report.failures)} failed")
        print(f"wrote {csv_path} and {html_path}")
        return 0

    from ocr_server.submission import check_engine

    check_engine(args.engine, PipelineSettings())
    redis = Redis.from_url(server.redis_url)

    def shown(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total or done % 50 == 0:
            end = "\n" if done == total or not sys.stderr.isatty() else ""
            print(f"\rsubmitting {done}/{total}", end=end, file=sys.stderr, flush=True)

    result = archive.submit_batch(
        planned, batch=args.batch, pdfa=args.pdfa, procedure=args.procedure,
        engine=args.engine, db=db,
        blobs=open_blob_store(server), redis=redis, server=server,
        pipeline=PipelineSettings(), on_progress=shown)
    print(f"batch {args.batch}: {result.submitted} submitted, {result.skipped} already there, "
          f"{len(result.rejected)} refused", file=sys.stderr)
    for label, reason in result.rejected:
        print(f"  refused {label}: {reason}", file=sys.stderr)
    if result.interrupted:
        print("interrupted: what was submitted keeps going in the workers; run the same "
              "command again to submit the rest", file=sys.stderr)
        return 130
    if args.no_wait:
        return 0
    try:
        final = archive.follow(db, args.batch)
    except KeyboardInterrupt:
        print("\nstopped watching; the workers go on (run the same command to watch again)",
              file=sys.stderr)
        return 130
    print(f"batch {args.batch}: {final.dossiers} dossiers, {final.pages_done}/"
          f"{final.pages_total} pages processed, {final.dossiers_failed} dossiers failed; "
          f"report: ocr-server archive report {args.batch}")
    return 0

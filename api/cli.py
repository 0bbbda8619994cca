"""The ``raidt`` command line: thin commands that open the store, call one function and print.

The store is named by ``--store`` or ``RAIDT_STORE`` (default ``sqlite:///./raidt.db``). Every
command that prints data takes ``--json``. Mistakes print one line on standard error and exit 1.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from provenance.errors import ProvenanceError
from provenance.export import export_document
from provenance.formats import FORMATS, format_for, write_document
from provenance.graph import Json, as_iri, as_text
from provenance.identifiers import compact
from provenance.ingest import import_document, read_records, record_files, write_records
from provenance.integrity import verify as verify_store
from provenance.records import record_json_schema
from provenance.stores import DEFAULT_STORE_URL, Store, WriteResult, open_store
from queries.runs import describe_node, list_runs

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="raidt",
    help="Record generative-AI runs as W3C PROV graphs and answer governance questions over them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_WIDTH = shutil.get_terminal_size((160, 24)).columns
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOption = Annotated[
    str,
    typer.Option("--store", envvar="RAIDT_STORE", help="Store URL, e.g. sqlite:///./raidt.db."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", "-f", help=f"PROV format: {', '.join(FORMATS)}."),
]


@contextmanager
def _store(url: str) -> Iterator[Store]:
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


def _shortener(store: Store) -> Callable[[str], str]:
    """Prefixed names for people to read; JSON output keeps full IRIs."""
    namespaces = store.namespaces()
    return lambda value: compact(value, namespaces)


def _display(value: Json, short: Callable[[str], str]) -> str:
    """One attribute value as a person reads it: IRIs shortened, strings quoted."""
    target = as_iri(value)
    if target:
        return short(target)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else as_text(value) or ""


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False), indent=2, highlight=False)


def _report_write(result: WriteResult, as_json: bool, what: str) -> None:
    if as_json:
        _print_json({"written": result.written, "unchanged": result.unchanged})
    else:
        out.print(f"{what}: {len(result.written)} written, {len(result.unchanged)} already stored")


@app.command()
def record(
    paths: Annotated[list[Path], typer.Argument(help="JSON or JSON Lines files of records.")],
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Record runs and events from JSON or JSON Lines files, all in one transaction."""
    with _store(store) as opened:
        result = record_files(paths, opened)
    _report_write(result, as_json, "records")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A PROV document.")],
    fmt: FormatOption = None,
    record_id: Annotated[
        str | None, typer.Option("--id", help="Record id; defaults to one derived from content.")
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Import a PROV document (PROV-JSON, PROV-N, PROV-XML, Turtle or PROV-JSONLD) as one record."""
    chosen = format_for(fmt, path=path) if fmt is None else format_for(fmt)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProvenanceError(f"{path}: cannot read the file: {error}") from error
    with _store(store) as opened:
        prepared, result = import_document(
            data, chosen, opened, source=str(path), record_id=record_id
        )
    if as_json:
        _print_json(
            {
                "record": prepared.id,
                "written": bool(result.written),
                "content_hash": prepared.content_hash,
            }
        )
    else:
        state = "imported" if result.written else "already stored"
        out.print(
            f"{prepared.id}: {state} ({len(prepared.fragment.elements)} elements, "
            f"{len(prepared.fragment.relations)} relations)"
        )


@app.command()
def export(
    target: Annotated[
        str | None, typer.Argument(help="A record or node id; the whole store when omitted.")
    ] = None,
    fmt: FormatOption = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
) -> None:
    """Export PROV: the whole store, one record, or one node with its relations."""
    chosen = format_for(fmt)
    with _store(store) as opened:
        text = write_document(export_document(opened, target), chosen)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {chosen.title} to {output}")


@app.command()
def show(
    node: Annotated[str, typer.Argument(help="A node id: an IRI or a prefixed name.")],
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Show one node: its types, attributes and every relation in and out."""
    with _store(store) as opened:
        summary = describe_node(opened, node)
        short = _shortener(opened)
    if as_json:
        _print_json(summary)
        return
    kinds = ", ".join(summary["kinds"]) or "referenced only"
    out.print(f"[bold]{short(summary['id'])}[/bold]  {kinds}", markup=True)
    out.print(f"  {summary['id']}")
    for type_iri in summary["types"]:
        out.print(f"  a {short(type_iri)}")
    for name, value in summary["attributes"].items():
        values = value if isinstance(value, list) else [value]
        out.print(f"  {short(name)} = {', '.join(_display(v, short) for v in values)}")
    table = Table("relation", "", "other end", box=None)
    for relation in summary["relations"]:
        arrow = "→" if relation["direction"] == "out" else "←"
        table.add_row(relation["kind"], arrow, short(relation["other"] or "-"))
    out.print(table)


@app.command()
def verify(
    expect_head: Annotated[
        str | None, typer.Option(help="Fail unless the chain ends at this hash.")
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Check every record's content hash, graph hash and the hash chain."""
    with _store(store) as opened:
        report = verify_store(opened, expect_head=expect_head)
    if as_json:
        _print_json(report.as_dict())
    elif report.ok:
        out.print(f"ok: {report.records} records, chain head {report.head}")
    else:
        first = report.problems[0]
        err.print(
            f"FAILED: record {first.record} (#{first.seq}): {first.what}"
            f" ({len(report.problems)} problem(s) in all)"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of the records that `raidt record` accepts."""
    text = json.dumps(record_json_schema(), indent=2)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")


@app.command()
def runs(store: StoreOption = DEFAULT_STORE_URL, as_json: JsonOption = False) -> None:
    """List every run with its task, sector, risk level and initiator."""
    with _store(store) as opened:
        summaries = list_runs(opened)
        short = _shortener(opened)
    _print_runs(summaries, as_json, short)


def _print_runs(
    summaries: list[dict[str, Any]], as_json: bool, short: Callable[[str], str]
) -> None:
    if as_json:
        _print_json(summaries)
        return
    table = Table("run", "started", "sector", "risk", "task", "initiator", "outputs")
    for s in summaries:
        table.add_row(
            short(s["id"]),
            (s["started_at"] or "")[:16].replace("T", " "),
            s["sector"],
            s["risk_level"],
            s["task"],
            short(s["initiator"] or "-"),
            str(len(s["outputs"])),
        )
    out.print(table)


@app.command()
def demo(store: StoreOption = DEFAULT_STORE_URL, as_json: JsonOption = False) -> None:
    """Load the demo runs (healthcare, finance, public services, enterprise) and list them."""
    folder = files("provenance") / "demo"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".jsonl"))
    located = [item for name in names for item in read_records(str(folder / name))]
    with _store(store) as opened:
        result = write_records(located, opened)
        summaries = list_runs(opened)
        counts = opened.counts()
        short = _shortener(opened)
    if as_json:
        _print_json(
            {
                "written": len(result.written),
                "unchanged": len(result.unchanged),
                "counts": counts,
                "runs": summaries,
            }
        )
        return
    _print_runs(summaries, False, short)
    out.print(
        f"demo: {len(result.written)} records written, {len(result.unchanged)} already stored; "
        f"the store holds {counts['records']} records, {counts['nodes']} nodes and "
        f"{counts['relations']} relations"
    )


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; errors become one line on stderr."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="raidt")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else int(done.code is not None)
    except ProvenanceError as error:
        err.print(f"error: {error}", markup=False)
        return 1
    return 0


def main() -> None:
    sys.exit(run())

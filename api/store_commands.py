"""Commands that write records, read nodes back and move PROV in and out of the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.console import (
    FormatOption,
    JsonOption,
    StoreOption,
    app,
    counted,
    display,
    err,
    heading,
    open_for_command,
    out,
    print_json,
    progress_bar,
    report_write,
    shortener,
    write_output,
)
from provenance.demo_data import load_demo
from provenance.errors import ProvenanceError
from provenance.export import export_document
from provenance.formats import FORMATS, format_for, format_of_suffix, write_document
from provenance.ingest import import_document, record_files
from provenance.integrity import verify as verify_store
from provenance.records import record_json_schema
from provenance.stores import DEFAULT_STORE_URL
from provenance.transfer import copy_store
from queries.runs import SECTORS, describe_node, list_runs

__all__: list[str] = []


@app.command()
def record(
    paths: Annotated[
        list[Path],
        typer.Argument(help="JSON or JSON Lines files of records; - reads standard input."),
    ],
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Record runs and events from JSON or JSON Lines files, all in one transaction."""
    with (
        open_for_command(store, create=True) as opened,
        progress_bar("recording", "records", counted=False, quiet=as_json) as bar,
    ):
        task = bar.add_task("records", total=None)
        result = record_files(paths, opened, progress=lambda n: bar.advance(task, n))
    report_write(result, as_json, "records")


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
    with open_for_command(store, create=True) as opened:
        prepared, result = import_document(
            data, chosen, opened, source=str(path), record_id=record_id
        )
    if as_json:
        print_json(
            {
                "record": prepared.id,
                "written": bool(result.written),
                "content_hash": prepared.content_hash,
            }
        )
    else:
        state = "imported" if result.written else "already stored"
        out.print(
            f"{prepared.id}: {state} ({counted(len(prepared.fragment.elements), 'element')}, "
            f"{counted(len(prepared.fragment.relations), 'relation')})"
        )


@app.command()
def export(
    target: Annotated[
        str | None, typer.Argument(help="A record or node id; the whole store when omitted.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=f"PROV format: {', '.join(FORMATS)}; by default the one -o's suffix names "
            "(as import reads it), else json.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
) -> None:
    """Export PROV: the whole store, one record, or one node with its relations."""
    implied = format_of_suffix(output) if fmt is None and output is not None else None
    chosen = implied or format_for(fmt or "json")
    with open_for_command(store) as opened:
        text = write_document(export_document(opened, target), chosen)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_output(output, text)
        err.print(f"wrote {chosen.title} to {output}")


@app.command()
def show(
    node: Annotated[str, typer.Argument(help="A node id: an IRI or a prefixed name.")],
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Show one node: its types, attributes and every relation in and out."""
    with open_for_command(store) as opened:
        summary = describe_node(opened, node)
        short = shortener(opened)
    if as_json:
        print_json(summary)
        return
    kinds = ", ".join(summary["kinds"]) or "referenced only"
    heading(short(summary["id"]), f"  {kinds}")
    out.print(f"  {summary['id']}")
    for type_iri in summary["types"]:
        out.print(f"  a {short(type_iri)}")
    for name, value in summary["attributes"].items():
        values = value if isinstance(value, list) else [value]
        out.print(f"  {short(name)} = {', '.join(display(v, short) for v in values)}")
    table = Table("relation", "", "other end", box=None)
    for relation in summary["relations"]:
        arrow = "→" if relation["direction"] == "out" else "←"
        table.add_row(relation["kind"], arrow, short(relation["other"] or "-"))
    out.print(table)


@app.command()
def verify(
    expect_head: Annotated[
        str | None,
        typer.Option(help="Fail unless the chain passes through this head, kept from earlier."),
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """Check every record's content hash, graph hash and the hash chain."""
    with open_for_command(store) as opened:
        report = verify_store(opened, expect_head=expect_head)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        out.print(f"ok: {counted(report.records, 'record')}, chain head {report.head}")
        if report.anchored_at is not None:
            since = counted(report.records - report.anchored_at, "record")
            out.print(f"the expected head is record #{report.anchored_at}'s; {since} since")
        for said in report.contradictions:
            err.print(f"warning: record {said.record} (#{said.seq}) contradicts: {said.what}")
    else:
        first, *rest = report.problems
        err.print(
            f"FAILED: record {first.record} (#{first.seq}): {first.what}"
            f" ({counted(len(report.problems), 'problem')} in all)"
        )
        for problem in rest:
            err.print(f"  record {problem.record} (#{problem.seq}): {problem.what}")
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
        write_output(output, text + "\n")


@app.command()
def runs(
    since: Annotated[
        str | None, typer.Option(help="Only runs started at or after this ISO time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only runs started at or before this ISO time.")
    ] = None,
    sector: Annotated[
        str | None, typer.Option(help=f"Only runs in this sector: {', '.join(SECTORS)}.")
    ] = None,
    person: Annotated[
        str | None, typer.Option(help="Only runs this person initiated (IRI or prefixed name).")
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(help="Only runs that used this template, or this template version."),
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    as_json: JsonOption = False,
) -> None:
    """List every run with its task, sector, risk level and initiator, optionally filtered."""
    with open_for_command(store) as opened:
        summaries = list_runs(
            opened, since=since, until=until, sector=sector, person=person, template=template
        )
        short = shortener(opened)
    _print_runs(summaries, as_json, short)


def _print_runs(
    summaries: list[dict[str, Any]], as_json: bool, short: Callable[[str], str]
) -> None:
    if as_json:
        print_json({"data": summaries, "count": len(summaries)})  # as GET /runs pages them
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
    with open_for_command(store, create=True) as opened:
        result = load_demo(opened)
        summaries = list_runs(opened)
        counts = opened.counts()
        short = shortener(opened)
    if as_json:
        print_json(
            {
                "written": result.written,
                "unchanged": result.unchanged,
                "counts": counts,
                "runs": summaries,
            }
        )
        return
    _print_runs(summaries, False, short)
    out.print(
        f"demo: {counted(len(result.written), 'record')} written, "
        f"{len(result.unchanged)} already stored; the store holds "
        f"{counted(counts['records'], 'record')}, {counted(counts['nodes'], 'node')} and "
        f"{counted(counts['relations'], 'relation')}"
    )


@app.command()
def copy(
    source: Annotated[
        str, typer.Option("--from", help="The store to copy, e.g. sqlite:///raidt.db.")
    ],
    target: Annotated[str, typer.Option("--to", help="An empty store, e.g. neo4j://host:7687.")],
    as_json: JsonOption = False,
) -> None:
    """Copy a whole store to another, then check counts, every hash and the chain head."""
    with open_for_command(source) as origin, open_for_command(target, create=True) as destination:
        total = origin.counts()["records"]
        with progress_bar("copying", "records", counted=True, quiet=as_json) as bar:
            task = bar.add_task("records", total=total)
            report = copy_store(origin, destination, progress=lambda n: bar.advance(task, n))
    if as_json:
        print_json(
            {
                "records": report.records,
                "copied": report.copied,
                "counts": report.counts,
                "head": report.head,
            }
        )
    else:
        out.print(
            f"copied {report.copied} of {counted(report.records, 'record')} to {target}; counts "
            "match and the "
            f"chain verifies, head {report.head}"
        )

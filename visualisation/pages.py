"""Server-rendered pages: the runs list, a run's lineage and score, and the weak points.

Plain HTML with every value escaped; the run page's graph is drawn in the browser by
``web/lineage.js`` from JSON embedded in the page, with libraries served from this package's own
``web/node_modules`` (installed by ``make install``), never from a CDN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from queries.scores import PILLARS
from visualisation.lineage import KIND_STYLE, short_name

__all__ = [
    "SCRIPTS",
    "Shown",
    "error_page",
    "run_page",
    "runs_page",
    "score_chart",
    "sign_in_page",
    "weak_points_page",
]

SCRIPTS = (
    "lib/cytoscape/dist/cytoscape.min.js",
    "lineage.js",
)
"""What the run page loads, under ``/ui/static/``: the libraries from npm, then our script."""


def _page(title: str, body: str, *, scripts: tuple[str, ...] = ()) -> str:
    tags = "".join(f'<script src="/ui/static/{escape(s)}"></script>' for s in scripts)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/static/raidt.css"></head>'
        "<body><header><strong>RAIDT provenance</strong>"
        '<a href="/ui/runs">Runs</a><a href="/ui/weak-points">Weak points</a>'
        '<form class="sign-out" method="post" action="/ui/sign-out">'
        "<button>Sign out</button></form>"
        "</header>"
        f"<main><h1>{escape(title)}</h1>{body}</main>{tags}</body></html>"
    )


_TIME_HINT = ' placeholder="2026-03-01T00:00:00Z" title="a time with its zone (Z, +01:00)"'
_HINTS = {"since": _TIME_HINT, "until": _TIME_HINT}
"""What the runs filter's time fields take, shown in them: a time without a zone is refused."""


def error_page(problem: dict[str, Any]) -> str:
    """A problem (RFC 9457) as a page, for a person who opened a page in a browser: what went
    wrong in the service's words, each field named, and the way back."""
    fields = "".join(
        f"<li><code>{escape(str(e.get('field', '')))}</code>: {escape(str(e.get('message', '')))}"
        "</li>"
        for e in problem.get("errors") or []
    )
    body = (
        f'<p class="problem">{escape(str(problem.get("detail") or problem.get("title", "")))}</p>'
        f"{f'<ul>{fields}</ul>' if fields else ''}"
        '<p><a href="/ui/runs">Back to the runs</a></p>'
    )
    return _page(f"{problem.get('status', '')} {problem.get('title', '')}".strip(), body)


def _run_link(run_id: str, text: str | None = None) -> str:
    return f'<a href="/ui/runs/{quote(run_id, safe="")}">{escape(text or short_name(run_id))}</a>'


def score_chart(profile: dict[str, Any]) -> str:
    """The five pillars as a bar chart (inline SVG), each bar labelled with its score."""
    width, bar, gap = 420, 22, 10
    rows = []
    for index, pillar in enumerate(PILLARS):
        entry = profile["pillars"][pillar]
        value = entry["score"]
        y = index * (bar + gap)
        length = 0 if value is None else value * (width - 170) / 100
        rows.append(
            f'<text x="0" y="{y + 15}" font-size="12">{pillar}</text>'
            f'<rect class="bar {escape(entry["rating"])}" x="120" y="{y}" width="{length:.1f}" '
            f'height="{bar}" data-pillar="{pillar}"><title>{pillar}: {value}</title></rect>'
            f'<text x="{125 + length:.1f}" y="{y + 15}" font-size="12">'
            f"{'n/a' if value is None else f'{value:g}'}</text>"
        )
    height = len(PILLARS) * (bar + gap)
    return (
        f'<svg id="score-chart" role="img" aria-label="RAIDT score profile" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(rows)}</svg>'
    )


def _failed_checks(profile: dict[str, Any]) -> str:
    items = []
    critical = set(profile.get("critical_failed", ()))
    for check in profile["checks"]:
        if check["passed"] is not False:
            continue
        links = " ".join(
            f'<a href="#" data-node="{escape(node)}">{escape(short_name(node))}</a>'
            for node in check["evidence"]
        )
        items.append(
            f"<li><strong>{escape(check['pillar'])} · {escape(check['id'])}"
            f"{' (critical)' if check['id'] in critical else ''}</strong>: "
            f"{escape(check['explanation'])} {links}</li>"
        )
    return f'<ul class="failed">{"".join(items)}</ul>' if items else "<p>Every check passed.</p>"


def run_page(data: dict[str, Any]) -> str:
    """A run's lineage graph with its controls and node details, and its score profile."""
    kinds = sorted({r["kind"] for r in data["relations"]})
    toggles = "".join(
        f'<label><input type="checkbox" data-relation="{escape(k)}" checked> {escape(k)}</label>'
        for k in kinds
    )
    depths = "".join(
        f'<option value="{d}"{" selected" if d == data["depth"] else ""}>{d}</option>'
        for d in sorted({1, 2, 3, 4, 6, 8, 12, 20, 50, data["depth"]})
    )
    legend = " ".join(
        f'<span style="background:{s["fill"]};border-color:{s["stroke"]}"></span> {k}'
        for k, s in KIND_STYLE.items()
    )
    profile = data["score"]
    overall = profile["overall"]
    # every "<" as its JSON escape: no text in the data ("</script>", "<!--<script>") can end or
    # bend the script element that carries it
    payload = json.dumps(data).replace("<", "\\u003c")
    when = (
        f'<p class="as-of">as the store stood at {escape(data["as_of"])}</p>'
        if data["as_of"]
        else ""
    )
    asked = {"depth": data["depth"], **({"as_of": data["as_of"]} if data["as_of"] else {})}
    twin = escape(urlencode({**asked, "format": "json"}))
    body = (
        f'<p class="iri">{escape(data["focus"])}</p>{when}'
        f'<div class="controls legend">{legend} · click an output for its way back to inputs and '
        f"approvers, an action for who held authority over it</div>"
        f'<div class="controls"><label>depth <select id="depth">{depths}</select></label>'
        f"{toggles}</div>"
        f'<p id="highlight-status" aria-live="polite"></p>'
        f"<noscript><p>The lineage is drawn by a script; without one, its data is at "
        f'<a href="?{twin}">this page\'s JSON twin</a>.</p></noscript>'
        f'<div class="layout"><div id="lineage"></div><aside id="details">'
        f"<p>Click a node to see its attributes and hashes.</p></aside></div>"
        f"<h2>Score profile: {overall['score']} ({escape(overall['rating'])}), "
        f"rubric {escape(profile['rubric'])}</h2>{score_chart(profile)}"
        f"<h3>Failed checks</h3>{_failed_checks(profile)}"
        f'<script type="application/json" id="lineage-data">{payload}</script>'
    )
    return _page(f"Run {short_name(data['focus'])}", body, scripts=SCRIPTS)


@dataclass(frozen=True, slots=True)
class Shown:
    """Which runs of how many a page shows."""

    offset: int
    limit: int
    total: int

    def links(self, filters: dict[str, str]) -> str:
        """ "runs 101 to 200 of 1,000", with links to the pages before and after, filters kept."""
        last = min(self.offset + self.limit, self.total)
        said = (
            f"runs {self.offset + 1} to {last} of {self.total:,}"
            if last > self.offset
            else f"no runs here, of {self.total:,}"
        )
        around = []
        if self.offset > 0:
            around.append(("prev", "earlier", max(self.offset - self.limit, 0)))
        if last < self.total:
            around.append(("next", "later", last))
        links = "".join(
            f' <a rel="{rel}" href="?'
            f'{escape(urlencode({**filters, "offset": start, "limit": self.limit}))}">{label}</a>'
            for rel, label, start in around
        )
        return f'<p class="paging">{said}{links}</p>'


def runs_page(
    runs: list[dict[str, Any]],
    scores: dict[str, dict[str, Any]],
    filters: dict[str, str],
    shown: Shown,
) -> str:
    """A page of runs with their scores at a glance, filterable by sector, person and time."""
    fields = "".join(
        f'<label>{name} <input name="{name}" value="{escape(filters.get(name, ""))}"'
        f"{_HINTS.get(name, '')}></label>"
        for name in ("sector", "person", "template", "since", "until")
    )
    header = "".join(
        f"<th>{h}</th>" for h in ("run", "started", "sector", "risk", "task", "overall", *PILLARS)
    )
    rows = []
    for run in runs:
        profile = scores[run["id"]]
        cells = [
            _run_link(run["id"]),
            escape(run["started_at"] or ""),
            escape(run["sector"] or ""),
            escape(run["risk_level"] or ""),
            escape(run["task"] or ""),
            f"{profile['overall']['score']} ({escape(profile['overall']['rating'])})",
            *(str(profile["pillars"][p]["score"]) for p in PILLARS),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    body = (
        f'<form class="filters" method="get">{fields}<button>filter</button></form>'
        f"{shown.links(filters)}"
        f'<table class="list" id="runs"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _page("Runs", body)


def weak_points_page(report: dict[str, Any]) -> str:
    """Each weakness with its count and the runs (or people and workflows) behind it."""
    rows = []
    for name, entry in report["weak_points"].items():
        behind = ", ".join(_run_link(r) for r in entry["runs"])
        if "repeated" in entry:
            behind = "; ".join(
                f"{escape(r['by'])} {escape(short_name(r['who']))} ({len(r['overrides'])}): "
                + ", ".join(_run_link(run) for run in r["runs"])
                for r in entry["repeated"]
            )
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{escape(entry['description'])}</td>"
            f"<td>{entry['count']}</td><td>{behind}</td></tr>"
        )
    when = f", as of {escape(report['as_of'])}" if report["as_of"] else ""
    body = (
        f"<p>{report['runs']} runs judged with the {escape(report['rubric'])} rubric{when}.</p>"
        '<table class="list" id="weak-points"><thead><tr><th>weak point</th><th>what</th>'
        f"<th>count</th><th>behind it</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _page("Weak points", body)


def sign_in_page(next_path: str, problem: str | None = None) -> str:
    """A form for an API key: the pages are read with a key, as the API is, and a browser cannot
    send one in a header; the key is kept in a cookie only scripts cannot read."""
    said = f'<p class="problem">{escape(problem)}</p>' if problem else ""
    body = (
        f"{said}<p>Paste an API key with the role reviewer, auditor or admin "
        "(<code>raidt keys create --role auditor</code>).</p>"
        '<form method="post" action="/ui/sign-in">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label>API key <input type="password" name="key" autocomplete="off" required></label> '
        "<button>Sign in</button></form>"
    )
    return _page("Sign in", body)

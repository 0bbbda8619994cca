"""Commands that run the HTTP service and manage its API keys: ``raidt serve``, ``raidt keys``."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.table import Table

from api.console import JsonOption, StoreOption, app, err, out, print_json
from api.keys import ApiKey, KeyStore, Role
from api.main import NO_AUTH_WARNING, create_app
from api.settings import default_keys_path, read_settings
from provenance.errors import NotFound, ProvenanceError
from provenance.stores import DEFAULT_STORE_URL, sqlite_path, supported

__all__ = ["keys_app", "listen"]

keys_app = typer.Typer(
    help="Create, list and revoke the API keys of the HTTP service.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

KeysOption = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        envvar="RAIDT_KEYS",
        help="The keys and access log file; by default raidt-keys.db beside the store.",
    ),
]


def listen(host: str, port: int) -> socket.socket:
    """A listening socket; with port 0, on a free port the system picks.

    Raises
    ------
    ProvenanceError
        When the address cannot be listened on (in use, not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name TCP explicitly: asyncio turns Nagle's algorithm off only on sockets whose protocol says
    # TCP, and without that every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ProvenanceError(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from error
    sock.listen(2048)
    return sock


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="The port; 0 picks a free one.")
    ] = 8000,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Require no API key: for your own machine only.")
    ] = False,
    max_body: Annotated[
        int | None,
        typer.Option(
            min=1, help="The largest request body, in bytes (default 5 MB, or RAIDT_MAX_BODY)."
        ),
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    keys: KeysOption = None,
) -> None:
    """Serve the store over HTTP: the API, with its OpenAPI documentation at /docs, and the web
    pages at /ui/runs."""
    path = sqlite_path(supported(store))
    options: dict[str, Any] = {"store": store, "keys": keys}
    if no_auth:
        options["auth"] = False
    if max_body is not None:
        options["max_body"] = max_body
    settings = read_settings(**options)
    service = create_app(settings, warn=False)
    sock = listen(host, port)
    bound = sock.getsockname()[1]
    address = f"http://{f'[{host}]' if ':' in host else host}:{bound}"
    if not settings.auth:
        err.print(f"WARNING: {NO_AUTH_WARNING}", style="bold red")
        if host not in ("127.0.0.1", "::1", "localhost"):
            err.print(f"WARNING: and it listens on {host}, not only here.", style="bold red")
    out.print(
        f"serving {store} at {address} (web pages at {address}/ui/runs, "
        f"API documentation at {address}/docs)"
    )
    if path is not None and path != ":memory:" and not Path(path).exists():
        err.print(
            f"note: no store at {path} yet; the service makes an empty one, which "
            "`raidt record` or POST /runs fills"
        )
    sys.stdout.flush()
    config = uvicorn.Config(service, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


def _keys_path(store: str, keys: Path | None) -> Path:
    return keys if keys is not None else default_keys_path(store)


def _keys_file(store: str, keys: Path | None) -> KeyStore:
    return KeyStore(_keys_path(store, keys))


def _no_keys_file(path: Path) -> bool:
    """Whether there is no keys file at ``path``: listing or revoking then makes none."""
    return str(path) != ":memory:" and not path.exists()


def _key_json(key: ApiKey) -> dict[str, str | None]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role.value,
        "created": key.created,
        "revoked": key.revoked,
    }


@keys_app.command("create")
def _create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[str | None, typer.Option(help="Who or what the key is for.")] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    keys: KeysOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print it, once: only its hash is kept."""
    opened = _keys_file(store, keys)
    try:
        key, secret = opened.create(role, name or "")
    finally:
        opened.close()
    if as_json:
        print_json({**_key_json(key), "key": secret})
        return
    out.print(f"created API key {key.id} ({key.role.value}, {key.name!r}) in {opened.path}")
    out.print("the key, shown only now — send it as Authorization: Bearer <key>:")
    out.print(secret)


@keys_app.command("revoke")
def _revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `raidt keys list` shows it.")],
    store: StoreOption = DEFAULT_STORE_URL,
    keys: KeysOption = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    path = _keys_path(store, keys)
    if _no_keys_file(path):
        raise NotFound(f"no API key {key_id!r}: there is no keys file {path}")
    opened = KeyStore(path)
    try:
        key = opened.revoke(key_id)
    finally:
        opened.close()
    out.print(f"revoked API key {key.id} ({key.role.value}, {key.name!r}) at {key.revoked}")


@keys_app.command("list")
def _list(
    store: StoreOption = DEFAULT_STORE_URL, keys: KeysOption = None, as_json: JsonOption = False
) -> None:
    """List the API keys: id, name, role, when created and revoked. Never the keys."""
    path = _keys_path(store, keys)
    if _no_keys_file(path):
        if as_json:
            print_json([])
        else:
            out.print(f"no API keys: there is no keys file {path}; `raidt keys create` makes one")
        return
    opened = KeyStore(path)
    try:
        found = opened.keys()
    finally:
        opened.close()
    if as_json:
        print_json([_key_json(k) for k in found])
        return
    if not found:
        out.print(f"no API keys in {path}; `raidt keys create` makes one")
        return
    table = Table("id", "name", "role", "created", "revoked")
    for key in found:
        table.add_row(key.id, key.name, key.role.value, key.created[:19], (key.revoked or "")[:19])
    out.print(table)

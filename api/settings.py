"""The HTTP service's settings, read from ``RAIDT_*`` environment variables or given in code.

One object says which store to serve, where the API keys and the access log live, how large a
request body may be and whether keys are required; ``raidt serve`` builds it from its options and
tests build it directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from provenance.errors import ProvenanceError
from provenance.stores import DEFAULT_STORE_URL

__all__ = ["KEYS_FILE", "InvalidSettings", "Settings", "default_keys_path", "read_settings"]

KEYS_FILE = "raidt-keys.db"


def default_keys_path(store: str) -> Path:
    """Where the keys file goes when none is named: beside the store's file, else here.

    >>> default_keys_path("sqlite:////var/lib/raidt/raidt.db")
    PosixPath('/var/lib/raidt/raidt-keys.db')
    >>> default_keys_path("neo4j://graph.internal:7687")
    PosixPath('raidt-keys.db')
    """
    if urlsplit(store).scheme == "sqlite":
        path = store.removeprefix("sqlite://").removeprefix("/")
        if path and path != ":memory:":
            return Path(path).parent / KEYS_FILE
    return Path(KEYS_FILE)


class Settings(BaseSettings):
    """Everything ``create_app`` needs to know."""

    model_config = SettingsConfigDict(env_prefix="RAIDT_", extra="ignore")

    store: str = Field(default=DEFAULT_STORE_URL, description="Store URL (RAIDT_STORE).")
    keys: Path | None = Field(
        default=None,
        description="The API keys and access log file (RAIDT_KEYS); beside the store by default.",
    )
    max_body: int = Field(
        default=5 * 1024 * 1024,
        gt=0,
        description="The largest request body accepted, in bytes (RAIDT_MAX_BODY).",
    )
    auth: bool = Field(
        default=True, description="Require an API key on every request (RAIDT_AUTH)."
    )

    @property
    def keys_path(self) -> Path:
        return self.keys if self.keys is not None else default_keys_path(self.store)


class InvalidSettings(ProvenanceError):
    """A ``RAIDT_*`` environment variable holds a value its setting cannot take."""


_TAKES = {
    "store": "a store URL, e.g. sqlite:///./raidt.db",
    "keys": "a file path",
    "max_body": "a whole number of bytes above 0, e.g. 5242880 for 5 MB",
    "auth": "true or false",
}
"""What each setting takes, in the words its environment variable's error gives."""


def read_settings(**given: Any) -> Settings:
    """The settings, from ``given`` (options of ``raidt serve``) and, for the rest, the
    ``RAIDT_*`` environment variables.

    Raises
    ------
    InvalidSettings
        Naming the first variable whose value cannot be taken, and what it takes.
    """
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        takes = _TAKES.get(name, first["msg"])
        if name in given:
            raise InvalidSettings(
                f"{name} {given[name]!r} is not valid: it takes {takes}"
            ) from error
        variable = f"{Settings.model_config.get('env_prefix', '')}{name}".upper()
        raise InvalidSettings(
            f"{variable}={first['input']!s} is not valid: it takes {takes}"
        ) from error

"""Choosing a PROV format from HTTP headers: ``Content-Type`` for documents sent, ``Accept`` for
documents asked for. The formats and their media types are :data:`provenance.formats.FORMATS`."""

from __future__ import annotations

from email.message import Message

from fastapi import HTTPException

from provenance.formats import FORMATS, Format

__all__ = ["BY_MEDIA_TYPE", "DEFAULT", "format_for_accept", "format_for_content_type"]

BY_MEDIA_TYPE: dict[str, Format] = {
    **{f.media_type: f for f in FORMATS.values()},
    "application/provenance+xml": FORMATS["xml"],  # the type the PROV-XML note gives it
}
DEFAULT = FORMATS["json"]
_PREFERENCE = {DEFAULT.media_type: DEFAULT, **BY_MEDIA_TYPE}
"""Which format a wildcard gets: PROV-JSON first, unless refused."""
_LIST = ", ".join(BY_MEDIA_TYPE)


def _bare(media_type: str) -> str:
    message = Message()
    message["content-type"] = media_type
    return message.get_content_type()


def format_for_content_type(value: str | None) -> Format:
    """The format of a document sent with this ``Content-Type``.

    Raises
    ------
    HTTPException
        415 when it names no supported PROV format.
    """
    found = BY_MEDIA_TYPE.get(_bare(value)) if value else None
    if found is None:
        raise HTTPException(
            415, f"unsupported PROV media type {value or '(none)'}; send one of: {_LIST}"
        )
    return found


def _weighted(accept: str) -> tuple[list[tuple[float, int, str]], set[str]]:
    """The media ranges a client accepts, most preferred first, and those it refuses (``q=0``)."""
    ranges = []
    refused = set()
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if media and weight > 0:
            ranges.append((-weight, index, media.lower()))
        elif media:
            refused.add(media.lower())
    return sorted(ranges), refused


def format_for_accept(accept: str | None) -> Format:
    """The format to answer in: the client's most preferred supported one, PROV-JSON for
    ``*/*`` or no ``Accept`` at all.

    Raises
    ------
    HTTPException
        406 when the client accepts none of the formats.

    >>> format_for_accept("text/turtle;q=0.5, text/provenance-notation").name
    'provn'
    >>> format_for_accept("text/*").name
    'provn'
    """
    if not accept or not accept.strip():
        return DEFAULT
    ranges, refused = _weighted(accept)
    allowed = {m: f for m, f in _PREFERENCE.items() if m not in refused}
    for _, _, media in ranges:
        if media.endswith("/*"):
            major = media.removesuffix("*").replace("*/", "")
            found = next((f for m, f in allowed.items() if m.startswith(major)), None)
        else:
            found = allowed.get(media)
        if found is not None:
            return found
    raise HTTPException(406, f"no acceptable PROV format in {accept!r}; accept one of: {_LIST}")

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


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges an ``Accept`` header names, in its order, each with its quality (a
    quality that is not a number refuses its range)."""
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if media:
            ranges.append((media.lower(), weight))
    return ranges


def _specificity(media_range: str, media_type: str) -> int:
    """How closely a range names a type: 2 the type itself, 1 its ``major/*``, 0 ``*/*``, -1 not
    at all."""
    if media_range == media_type:
        return 2
    if media_range == media_type.partition("/")[0] + "/*":
        return 1
    return 0 if media_range == "*/*" else -1


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality a client gives a type, and where in its header the range that gives it is:
    the most specific range that matches the type decides (RFC 9110 §12.5.1), so that
    ``application/*;q=0`` refuses every application type whatever ``*/*`` allows."""
    matching = [
        (_specificity(media, media_type), -index, weight)
        for index, (media, weight) in enumerate(ranges)
        if _specificity(media, media_type) >= 0
    ]
    if not matching:
        return 0.0, len(ranges)
    _, place, weight = max(matching)
    return weight, -place


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
    ranges = _ranges(accept)
    rated = [
        (-weight, place, order, found)
        for order, (media, found) in enumerate(_PREFERENCE.items())
        for weight, place in [_quality(media, ranges)]
        if weight > 0
    ]
    if not rated:
        raise HTTPException(406, f"no acceptable PROV format in {accept!r}; accept one of: {_LIST}")
    return min(rated, key=lambda r: r[:3])[3]

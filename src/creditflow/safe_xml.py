"""Reading untrusted XML (bank statements, e-invoices): no DTD, no entities, no network.

A document with a DOCTYPE or ENTITY declaration is refused before parsing (entity
expansion, external entities: XXE); lxml then runs without DTD loading, entity
resolution or network access, and an entity reference that slipped through is
refused too. Callers turn `UnsafeXml` into their own error with their own words.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["UnsafeXml", "parse_untrusted"]

_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


class UnsafeXml(ValueError):
    """The XML was refused or could not be read; `line` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _refuse_declarations(data: bytes) -> None:
    texts = [data.upper()]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        texts.append(data.decode("utf-16", errors="replace").upper().encode())
    for text in texts:
        for marker in _FORBIDDEN:
            if marker in text:
                raise UnsafeXml(
                    f"XML contains a {marker.decode()[2:]} declaration; refused "
                    "(entity expansion / external entity (XXE) protection)"
                )


def parse_untrusted(data: bytes) -> etree._Element:
    """The root element of untrusted XML bytes, or UnsafeXml saying why not."""
    _refuse_declarations(data)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"XML is not well-formed: {exc}", exc.lineno) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml("XML has a DOCTYPE declaration; refused (XXE protection)")
    for element in root.iter():
        if not isinstance(element.tag, str):
            raise UnsafeXml("XML contains an entity reference; refused", element.sourceline)
    return root

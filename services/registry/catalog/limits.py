"""How much of an uploaded catalogue the registry reads, and the refusals past it (issue 18).

Every limit is checked while the file streams through its parser, in the import worker (parsing.py), so a
file is refused at the first row, cell or element past a limit, never after it was read whole. What a file
holds is refused with 413 (its size: bytes, rows, columns, cells); how it is built with 422 (nesting, XML
entities, XML literals, a parse that ran out of time or memory).

    ContentTooLarge 413   import-too-large · import-too-many-rows · import-too-many-columns ·
                          import-too-many-cells · import-cell-too-large · import-too-many-triples
    Unprocessable   422   import-too-deep · import-xml-entities · import-xml-literal · import-too-costly
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIB", "ImportLimits"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 50 * MIB  # a CSV or XLSX catalogue (the request body limit follows it: main.py)
    max_rows: int = 200_000  # rows of data; blank rows are skipped, at most as many again
    max_columns: int = 256  # a catalogue maps 13; the rest are reported as ignored
    max_cell_chars: int = 32_767  # Excel's own limit for a cell; also a literal of a DCAT catalog
    # Cells read, the empty ones a ragged row is padded with included (a row as wide as its last cell).
    max_cells: int = 200_000 * 64
    max_unzipped_bytes: int = 256 * MIB  # the parts of an XLSX, uncompressed (their sizes are in the zip)
    max_dcat_bytes: int = 32 * MIB  # a DCAT catalog; its graph is held whole while it is read
    max_triples: int = 300_000  # 10,000 datasets of about 20 statements each
    max_datasets: int = 10_000
    max_depth: int = 64  # nesting of JSON(-LD) values and of XML elements
    max_xml_literal_elements: int = 256  # rdflib re-parses an XML literal at each of its elements

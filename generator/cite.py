"""`journey cite DOI|arXiv-id`: look a work up once and add it to the blog's `.bib`.

The only networked step of journey, run by the author, never by a build: a DOI is asked of
doi.org by content negotiation (`Accept: application/x-bibtex`), an arXiv id of the arXiv API
(Atom). `JOURNEY_DOI_URL` and `JOURNEY_ARXIV_URL` point the look-ups elsewhere (a mirror, a
test server).
"""

from __future__ import annotations

import os
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from .config import display_path
from .errors import JourneyError, UsageError, error

DOI_URL = "https://doi.org/"
ARXIV_URL = "https://export.arxiv.org/api/query"
_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)", re.IGNORECASE)
_ARXIV = re.compile(r"(?:https?://arxiv\.org/(?:abs|pdf)/|arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?(?:\.pdf)?",
                    re.IGNORECASE)
_ATOM = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}


class LookupFailed(Exception):
    """The service could not be reached, or had no record of the work."""


@dataclass(frozen=True)
class Added:
    key: str
    bib: Path
    new: bool  # False: the .bib had the work already (under `key`)


def parse_identifier(text: str) -> tuple[str, str]:
    """('doi' | 'arxiv', the bare id); UsageError for anything else."""
    text = text.strip()
    if match := _DOI.fullmatch(text):
        return "doi", match.group(1)
    if match := _ARXIV.fullmatch(text):
        return "arxiv", match.group(1)
    raise UsageError(f"journey cite: '{text}' is neither a DOI (10.xxxx/…) nor an arXiv id (2101.00001)")


def bibliography_setting(root: Path) -> Path | None:
    """The `bibliography` setting's file, which need not exist yet (so not through `load_config`,
    which insists that it does)."""
    import tomllib

    try:
        table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("journey", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = table.get("bibliography")
    return root / name if isinstance(name, str) and name else None


def cite(identifier: str, bib: Path) -> Added:
    """Look the work up and append its entry to `bib` (made if missing), unless it is there already."""
    from pybtex.database import BibliographyData, parse_string
    from pybtex.exceptions import PybtexError

    kind, bare = parse_identifier(identifier)
    try:
        existing = parse_string(bib.read_text(encoding="utf-8"), "bibtex") if bib.is_file() else BibliographyData()
    except PybtexError as exc:
        raise JourneyError(error(display_path(bib.resolve()), getattr(exc, "lineno", None) or 1, 1,
                                 f"bad BibTeX: {exc}")) from None
    for key, entry in existing.entries.items():
        fields = {name.lower(): value for name, value in entry.fields.items()}
        if (kind == "doi" and fields.get("doi", "").lower() == bare.lower()) or (kind == "arxiv" and fields.get("eprint") == bare):
            return Added(key, bib, False)
    entry = _lookup_doi(bare) if kind == "doi" else _lookup_arxiv(bare)
    key = _free_key(_key_for(entry), {k.lower() for k in existing.entries})
    text = BibliographyData({key: entry}).to_string("bibtex")
    before = bib.read_text(encoding="utf-8") if bib.is_file() else ""
    bib.parent.mkdir(parents=True, exist_ok=True)
    bib.write_text(before + ("\n" if before and not before.endswith("\n\n") else "") + text, encoding="utf-8")
    return Added(key, bib, True)


def _lookup_doi(doi: str) -> Any:
    from pybtex.database import parse_string
    from pybtex.exceptions import PybtexError

    base = os.environ.get("JOURNEY_DOI_URL", DOI_URL)
    text = _get(base.rstrip("/") + "/" + quote(doi, safe="/()._-;:"), "application/x-bibtex", f"DOI {doi}")
    try:
        entries = list(parse_string(text, "bibtex").entries.values())
    except PybtexError as exc:
        raise LookupFailed(f"the answer for DOI {doi} is not BibTeX: {exc}") from None
    if not entries:
        raise LookupFailed(f"the answer for DOI {doi} holds no BibTeX entry")
    entry = entries[0]
    entry.fields.setdefault("doi", doi)
    return entry


def _lookup_arxiv(arxiv_id: str) -> Any:
    from pybtex.database import Entry, Person

    base = os.environ.get("JOURNEY_ARXIV_URL", ARXIV_URL)
    text = _get(f"{base}?id_list={quote(arxiv_id, safe='/.')}", "application/atom+xml", f"arXiv {arxiv_id}")
    try:
        found = ElementTree.fromstring(text).find("a:entry", _ATOM)
    except ElementTree.ParseError as exc:
        raise LookupFailed(f"the answer for arXiv {arxiv_id} is not Atom: {exc}") from None
    title = found.findtext("a:title", "", _ATOM) if found is not None else ""
    if found is None or not title.strip() or title.strip() == "Error":
        raise LookupFailed(f"arXiv has no paper {arxiv_id}")
    fields = {
        "title": " ".join(title.split()),
        "year": found.findtext("a:published", "", _ATOM)[:4],
        "eprint": arxiv_id,
        "archivePrefix": "arXiv",
        "url": f"https://arxiv.org/abs/{arxiv_id}",
    }
    category = found.find("arxiv:primary_category", _ATOM)
    if category is not None and category.get("term"):
        fields["primaryClass"] = category.get("term", "")
    doi = found.findtext("arxiv:doi", "", _ATOM).strip()
    if doi:
        fields["doi"] = doi
    authors = [" ".join(a.findtext("a:name", "", _ATOM).split()) for a in found.findall("a:author", _ATOM)]
    return Entry("misc", fields=fields, persons={"author": [Person(name) for name in authors if name]})


def _get(url: str, accept: str, what: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "journey-cite"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise LookupFailed(f"cannot look up {what}: {url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LookupFailed(f"cannot look up {what} at {url}: {reason}") from None


def _key_for(entry: Any) -> str:
    """'vaswani2017attention': the first author's last name, the year, the title's first long word."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    name = _ascii(" ".join(people[0].last_names)) if people else "anon"
    words = [w for w in re.findall(r"[a-z]+", _ascii(entry.fields.get("title", ""))) if len(w) > 3]
    return f"{name or 'anon'}{entry.fields.get('year', '')}{words[0] if words else ''}"


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("{", "").replace("}", "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower()) if " " not in text else re.sub(r"[^a-z ]", "", text.lower())


def _free_key(key: str, taken: set[str]) -> str:
    if key.lower() not in taken:
        return key
    return next(f"{key}{suffix}" for suffix in "bcdefghijklmnopqrstuvwxyz" if f"{key}{suffix}".lower() not in taken)

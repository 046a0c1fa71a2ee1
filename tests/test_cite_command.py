"""`journey cite` against a local HTTP server that answers as doi.org (content negotiation for
BibTeX) and the arXiv API (Atom) do; the real services cannot be reached from the test machine,
so the server fakes them, pointed at through JOURNEY_DOI_URL and JOURNEY_ARXIV_URL."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import make_blog, post, run_journey

# What doi.org answers for 10.1109/5.726791 with `Accept: application/x-bibtex` (Crossref's
# record, re-wrapped): one line, keyed by Crossref.
CROSSREF_BIBTEX = ("@article{LeCun_1998, title={Gradient-based learning applied to document recognition}, "
                   "volume={86}, ISSN={0018-9219}, url={http://dx.doi.org/10.1109/5.726791}, DOI={10.1109/5.726791}, "
                   "number={11}, journal={Proceedings of the IEEE}, publisher={Institute of Electrical and Electronics "
                   "Engineers (IEEE)}, author={Lecun, Y. and Bottou, L. and Bengio, Y. and Haffner, P.}, year={1998}, "
                   "pages={2278–2324} }")
# The shape of the arXiv API's answer for id_list=1412.6980 (abridged: one entry, its fields).
ARXIV_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: search_query=&amp;id_list=1412.6980</title>
  <entry>
    <id>http://arxiv.org/abs/1412.6980v9</id>
    <published>2014-12-22T13:54:29Z</published>
    <title>Adam: A Method for Stochastic
  Optimization</title>
    <author><name>Diederik P. Kingma</name></author>
    <author><name>Jimmy Ba</name></author>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""


class _Services(BaseHTTPRequestHandler):
    asked: ClassVar[list[tuple[str, str]]] = []  # every request, in order

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.asked.append((self.path, self.headers.get("Accept", "")))
        if parts.path == "/doi/10.1109/5.726791" and self.headers.get("Accept") == "application/x-bibtex":
            self._answer(200, CROSSREF_BIBTEX, "application/x-bibtex")
        elif parts.path == "/arxiv" and parse_qs(parts.query).get("id_list") == ["1412.6980"]:
            self._answer(200, ARXIV_ATOM, "application/atom+xml")
        else:
            self._answer(404, "DOI Not Found", "text/plain")

    def _answer(self, status: int, body: str, kind: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def services() -> dict[str, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Services)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {"JOURNEY_DOI_URL": f"{base}/doi/", "JOURNEY_ARXIV_URL": f"{base}/arxiv"}
    server.shutdown()
    server.server_close()


def test_cite_adds_a_doi_and_an_arxiv_paper_and_the_build_cites_them(services, tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": '[tool.journey]\ntitle = "Notes"\nbibliography = "refs.bib"\n',
        "posts/2025-01-01-p.md": post("P", "2025-01-01", "Nets [@lecun1998gradientbased] and [@kingma2014adam].\n"),
    })
    status, _, stderr = run_journey("cite", "https://doi.org/10.1109/5.726791", "--source", str(root), cwd=root, env=services)
    assert (status, stderr) == (0, "journey: added lecun1998gradientbased to refs.bib; cite it as [@lecun1998gradientbased]\n")
    status, _, stderr = run_journey("cite", "arXiv:1412.6980v9", "--source", str(root), cwd=root, env=services)
    assert (status, stderr) == (0, "journey: added kingma2014adam to refs.bib; cite it as [@kingma2014adam]\n")
    bib = (root / "refs.bib").read_text(encoding="utf-8")
    assert "@misc{kingma2014adam,\n" in bib and 'eprint = "1412.6980"' in bib and 'primaryClass = "cs.LG"' in bib
    assert 'doi = "10.1109/5.726791"' in bib.replace("DOI =", "doi =")
    # A second time, nothing is asked or written twice.
    before = len(_Services.asked)
    status, _, stderr = run_journey("cite", "10.1109/5.726791", "--source", str(root), cwd=root, env=services)
    assert (status, stderr) == (0, "journey: refs.bib has it already as lecun1998gradientbased; cite it as [@lecun1998gradientbased]\n")
    assert len(_Services.asked) == before and (root / "refs.bib").read_text(encoding="utf-8") == bib
    # The build reads the entries offline: the server is never asked.
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root, env=services)
    assert status == 0, stderr
    assert len(_Services.asked) == before
    page = (root / "site/posts/p/index.html").read_text(encoding="utf-8")
    assert '<a href="#ref-lecun1998gradientbased">Lecun et al. 1998</a>' in page
    assert '<a href="https://arxiv.org/abs/1412.6980">arXiv:1412.6980</a>' in page


def test_cite_says_what_went_wrong(services, tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {"pyproject.toml": '[tool.journey]\ntitle = "Notes"\n'})
    status, _, stderr = run_journey("cite", "10.9999/none", "--bib", "refs.bib", cwd=root, env=services)
    assert status == 1
    assert stderr == f"journey: cannot look up DOI 10.9999/none: {services['JOURNEY_DOI_URL']}10.9999/none answered 404 Not Found\n"
    assert not (root / "refs.bib").exists()
    status, _, stderr = run_journey("cite", "not-an-id", "--bib", "refs.bib", cwd=root, env=services)
    assert status == 2
    assert stderr.startswith("journey cite: 'not-an-id' is neither a DOI (10.xxxx/…) nor an arXiv id (2101.00001)\n")
    status, _, stderr = run_journey("cite", "10.1109/5.726791", "--source", str(root), cwd=root, env=services)
    assert status == 2
    assert stderr.startswith("journey cite: no .bib file: give --bib FILE or set 'bibliography' in [tool.journey]\n")

"""Pages: every HTML page, feed and asset of the assembled site, rendered into the staging folder.

Every file has a fingerprint — for a page, a hash of what its context holds, the templates it
is rendered with and the settings — so a rebuild writes only files whose fingerprint changed
and keeps the rest of the previous site. Post pages receive `post`, `older`, `newer`,
`tag_slugs`, `json_ld` (never `site`: that keeps a one-post edit from touching every other post
page); listing pages receive their listing or term, and `site`, which only the templates that
read it (found by Jinja's parser) depend on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import jinja2

from ..errors import Diagnostic
from ..models import PostWithBody, RenderedPost
from ..parallel import parallel_batches
from .assemble import ListingPage, Site, Term
from .post_context import post_context
from .search_engine import PAGEFIND_FOLDER, SHARDED_FOLDER
from .site_files import Bodies, derived_files, digest_of, page_file, post_files, site_digest
from .templates import Asset, PageFacts, has_template, render_page
from .write import Staging, write_new

if TYPE_CHECKING:
    from .pagefind import PagefindBundle
    from .search import SearchLayout
    from .search_shards import ShardedIndex

PAGE_BATCH = 64  # pages: fewer are rendered here; more go to workers in batches of at most this many


@dataclass(frozen=True)
class PagesResult:
    rendered: int  # pages rendered; the others were kept from the previous site
    problems: list[Diagnostic]
    search: SearchLayout | PagefindBundle | ShardedIndex | None  # the search index written, None when it was kept
    template_facts: dict[str, tuple[str, bool]]  # per page template: (digest of its sources, reads `site`)


class PageJob(NamedTuple):
    """One page to render: where it goes, with which template, and what it depends on (a
    tuple: one per page is made by every build, four thousand of them for as many posts)."""

    path: str
    template: str
    origin: str
    fingerprint: str
    post_index: int  # for post pages: the index into site.posts; -1 for the others
    context: Mapping[str, Any]  # for the others: what their templates are given (post pages: empty)


def render_site(
    site: Site,
    env: jinja2.Environment,
    assets: Mapping[str, Asset],
    bodies: Bodies,
    staging: Staging,
    *,
    theme: str,
    templates: str,
    jobs: int,
    search_engine: str = "json",
    search: SearchLayout | PagefindBundle | ShardedIndex | None = None,
    template_facts: Mapping[str, tuple[str, bool]] | None = None,
) -> PagesResult:
    """Render every page whose fingerprint changed, keep the rest, write derived files.
    `theme` stands for the settings, the assets and journey's code; `templates` for the
    template files; `search_engine` is `json`, `pagefind` or `sharded`, and `search` what the site's
    current index of that kind is, if known; `template_facts` what an earlier build of the
    same templates worked out about them."""
    facts = _TemplateFacts(env, templates, template_facts or {})
    planned = _plan(site, env, theme, facts, search_engine)
    todo = [(job, clean) for job in planned if (clean := staging.reserve(job.path, job.origin, job.fingerprint))]
    layout: list[SearchLayout | PagefindBundle | ShardedIndex | None] = []

    def the_rest() -> None:
        """The posts' own files, feeds, sitemap, search index, assets."""
        for item in site.posts:
            post_files(staging, bodies, item, site.config.root)
        layout.append(derived_files(site, staging, bodies, [j.path for j in planned], assets, theme,
                                     (search_engine, search)))

    # Forking costs more than 64 pages; batches of 64 at most keep both workers busy to the end,
    # and each batch's posts' HTML is one lookup. The workers inherit the jobs (a listing page's
    # context holds its posts). Meanwhile this process writes the rest of the site, unless
    # Pagefind must index the pages first.
    early = search_engine != "pagefind"
    problems = list(parallel_batches(lambda batch: _render_batch(batch, site, env, bodies, staging.root), todo,
                                     jobs=jobs, most=PAGE_BATCH, min_items=PAGE_BATCH,
                                     meanwhile=the_rest if early else None))
    if not early:
        the_rest()
    unique = sorted(set(problems))  # a broken template breaks every page that uses it: say so once
    return PagesResult(len(todo), unique, layout[0], facts.facts)


def _render_batch(batch: Sequence[tuple[PageJob, str]], site: Site, env: jinja2.Environment, bodies: Bodies,
                  root: Path) -> list[Diagnostic]:
    html = bodies.html_many([site.posts[job.post_index].render_key for job, _ in batch if job.post_index >= 0])
    return [problem for job, target in batch for problem in _render_job(job, target, site, env, html, root)]


def _render_job(job: PageJob, target: str, site: Site, env: jinja2.Environment, html: Mapping[str, str],
                root: Path) -> list[Diagnostic]:
    if job.post_index >= 0:
        post = site.posts[job.post_index]
        older, newer = site.neighbours(job.post_index)
        body = PostWithBody(post, html[post.render_key])
        context = {**post_context(site, post), "post": body, "older": older, "newer": newer,
                   "series": site.series_places.get(post.post.url_path)}
    else:
        context = {**job.context, "site": site}
    page, found = render_page(env, job.template, context, job.origin)
    if not found:
        write_new(root, target, page)
    return found


def _plan(site: Site, env: jinja2.Environment, theme: str, facts: _TemplateFacts, search_engine: str) -> list[PageJob]:
    """Every page of the site in a fixed order: the site's own pages first, so a post whose
    permalink takes one of them is the one reported.

    A page's fingerprint covers the templates it is rendered with (not the others: editing
    post.html leaves the listings alone) and what its context holds. For a listing page, that is
    its own posts' listing rows (a tag page: the tag's posts), or every post's when its
    templates read `site` (the archive, say): a title edit re-renders the pages that list the
    post, not every listing page."""
    site_rows = site_digest(site)
    jobs = []

    def page(url_path: str, template: str, origin: str, *, title: str, description: str = "", depends: str = "",
             **extra: Any) -> None:
        """`depends`: what else the page shows, for its fingerprint (`shown` skips the context
        of a page whose templates read `site`)."""
        context = {"page": PageFacts(title, description or site.config.description, url_path), **extra}
        sources, reads_site = facts(template)
        shown = site_rows if reads_site else _context_digest(context)
        fingerprint = digest_of(theme, template, sources, url_path, shown, *([depends] if depends else []))
        jobs.append(PageJob(page_file(url_path), template, origin, fingerprint, -1, context))

    for listing in site.pages:
        # Each listing page gets its own <title>: search engines treat equal titles as duplicates.
        title = site.config.title if listing.number == 1 else f"Page {listing.number}"
        page(listing.url_path, "index.html", "index", listing=listing, title=title)
    for terms, folder, kind in ((site.tags, "tags", "Tag"), (site.categories, "categories", "Category")):
        for term in terms:
            feed_path = f"{folder}/{term.slug}/feed.xml" if folder == "tags" else None
            page(f"{folder}/{term.slug}/", "term.html", f"{folder}/{term.slug}", term=term, kind=kind,
                 feed_path=feed_path, title=f"{kind}: {term.name}", description=f"Posts filed under {term.name}.")
    page("tags/", "terms.html", "tags", title="Tags", description="Every tag and category, with the number of posts in each.")
    page("archive/", "archive.html", "archive", title="Archive", description="Every post, year by year.")
    page("journey/", "journey.html", "journey", title="The journey",
         description="The posts in the order they are meant to be read, phase by phase.")
    for series in site.series:
        page(f"series/{series.slug}/", "series.html", f"series/{series.slug}", term=series,
             title=f"Series: {series.name}", description=f"The {len(series.posts)} parts of {series.name}, in order.")
    pagefind_js = PAGEFIND_FOLDER + "pagefind.js" if search_engine == "pagefind" else ""
    sharded = SHARDED_FOLDER if search_engine == "sharded" else ""
    page("search/", "search.html", "search", title="Search", description="Search every post.",
         pagefind_js=pagefind_js, search_index=sharded, depends=pagefind_js + sharded)
    page("404.html", "404.html", "404", title="Page not found")
    jobs.extend(_post_jobs(site, env, theme, facts))
    return jobs


def _context_digest(context: dict[str, Any]) -> str:
    """A listing page's context as a digest, each post in it by its listing digest."""
    parts: list[bytes] = []
    _digest_parts(context, parts)
    return hashlib.sha256(b"".join(parts)).hexdigest()


def _digest_parts(value: Any, parts: list[bytes]) -> None:
    kind = type(value)
    if kind is RenderedPost:
        parts.append(value.listing_digest)
    elif kind is tuple or kind is list:
        parts.append(b"[%d" % len(value))
        for item in value:  # mostly a listing's posts: those without a call each
            if type(item) is RenderedPost:
                parts.append(item.listing_digest)
            else:
                _digest_parts(item, parts)
    elif kind is dict:
        parts.append(b"{%d" % len(value))
        for key, item in value.items():
            _digest_parts(key, parts)
            _digest_parts(item, parts)
    elif kind is ListingPage or kind is Term:
        parts.append(kind.__name__.encode("utf-8"))
        for f in fields(value):
            _digest_parts(getattr(value, f.name), parts)
    else:
        parts.append(repr(value).encode("utf-8") + b"\0")


class _TemplateFacts:
    """Per page template, what its fingerprint needs: a digest of its source and of every
    template it extends, includes or imports, and whether any of them reads `site` (Jinja's own
    analysis of the sources; parsing them costs more than rendering a page, so `known` brings
    what was worked out for these very template files). A template named only at render time
    could be any: then every template counts, and `site` is taken as read."""

    def __init__(self, env: jinja2.Environment, templates: str, known: Mapping[str, tuple[str, bool]]) -> None:
        self.env, self.templates = env, templates
        self.facts: dict[str, tuple[str, bool]] = dict(known)
        self._parsed: dict[str, tuple[str, bool, list[str | None]] | None] = {}  # base.html: parsed once, not per page template

    def __call__(self, template: str) -> tuple[str, bool]:
        if template not in self.facts:
            self.facts[template] = self._work_out(template)
        return self.facts[template]

    def _work_out(self, template: str) -> tuple[str, bool]:
        digest, reads_site = hashlib.sha256(), False
        seen: set[str] = set()
        todo: list[str | None] = [template]
        while todo:
            name = todo.pop()
            if name is None:
                return self.templates, True
            if name in seen:
                continue
            seen.add(name)
            parsed = self._parse(name)
            if parsed is None:  # rendering reports it; until fixed, depend on everything
                return self.templates, True
            source, reads, references = parsed
            digest.update(name.encode("utf-8") + b"\0" + source.encode("utf-8") + b"\0")
            reads_site = reads_site or reads
            todo.extend(references)
        return digest.hexdigest(), reads_site

    def _parse(self, name: str) -> tuple[str, bool, list[str | None]] | None:
        """(source, whether it reads `site`, the templates it names) of one template, None when
        it cannot be parsed."""
        if name not in self._parsed:
            from jinja2 import meta, nodes

            try:
                source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
                compiled = getattr(self.env, "parsed", {}).get(name)  # the tree compile_theme's compiling left
                tree = compiled if compiled is not None else self.env.parse(source)
            except jinja2.TemplateError:
                self._parsed[name] = None
                return None
            # Any `site` it reads, even one it set itself (taken as read: a page rendered again at
            # worst); not meta.find_undeclared_variables, which generates the template's code to know.
            reads = any(n.name == "site" and n.ctx == "load" for n in tree.find_all(nodes.Name))
            self._parsed[name] = source, reads, sorted(meta.find_referenced_templates(tree), key=lambda n: n or "")
        return self._parsed[name]


class _NoPost:  # the neighbour of the newest and of the oldest post, in fingerprints
    url_path = title = "\1"


_NO_POST = _NoPost()


def _post_jobs(site: Site, env: jinja2.Environment, theme: str, facts: _TemplateFacts) -> list[PageJob]:
    """The post pages' jobs. A page's context (`_post_context`) is made only if it is rendered:
    the fingerprint stands for it. The render key covers the post's file, rendering and
    notebooks; `theme` the settings, assets and journey's code; `facts` its templates; the dates
    are there because a post without one takes it from git; the neighbours are the links to the
    older and newer post."""
    posts = site.posts
    per_template: dict[str, Any] = {}  # template → the digest of what its pages share, to copy
    jobs = []
    for index, item in enumerate(posts):
        post = item.post
        layout = f"{post.layout}.html"
        template = layout if post.layout and has_template(env, layout) else "post.html"
        shared = per_template.get(template)
        if shared is None:
            shared = per_template[template] = hashlib.sha256(f"{theme}\0{template}\0{facts(template)[0]}\0".encode())
        older = posts[index + 1].post if index + 1 < len(posts) else _NO_POST
        newer = posts[index - 1].post if index > 0 else _NO_POST
        digest = shared.copy()
        place = site.series_places.get(post.url_path)
        digest.update("\0".join((item.render_key, *post.stamps, older.url_path, older.title,
                                  newer.url_path, newer.title, place.digest() if place else "",
                                  site.revision.digest if site.revision and post.notebooks else "")).encode("utf-8"))
        jobs.append(PageJob(page_file(post.url_path), template, post.display_path, digest.hexdigest(), index, {}))
    return jobs

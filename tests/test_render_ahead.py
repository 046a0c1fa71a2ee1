"""A first build with --jobs 2 reads its posts in a pool, and each worker renders the plain posts
it read at once (content/render.py's RenderAhead) instead of sending them back for a second pool.
What it must leave to the render stage: drafts and future posts the build does not publish, posts
with Liquid (they read the whole site) and posts whose rendering fails (their errors are said by
the render stage, as with --jobs 1). The site and the diagnostics are those of --jobs 1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, read_tree

from generator.build import BuildOptions, build_site
from generator.config import load_config
from generator.content import render
from generator.content.render import RenderAhead, render_scope
from generator.content.sources import READ_POOL_LEAST, publishes, read_file
from generator.errors import JourneyError
from generator.incremental.bodies import StoredRenderings
from generator.incremental.store import Store

SETTINGS = '[tool.journey]\ntitle = "Ahead"\n'
WRONG = "See @fig-missing for the curve.\n"


def _posts(count: int) -> dict[str, str | bytes]:
    return {f"posts/2024-{1 + n // 28:02d}-{1 + n % 28:02d}-p{n}.md":
            post(f"Post {n}", f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}", f"Words of post {n}, with `code` in them.\n")
            for n in range(count)}


EXTRA = {
    "posts/2024-12-01-draft.md": post("Draft", "2024-12-01", draft="true"),
    "posts/2030-01-01-later.md": post("Later", "2030-01-01"),
    "posts/2024-12-02-liquid.md": post("Liquid", "2024-12-02", "This is {{ site.title }}.\n"),
}


def test_a_first_build_with_two_jobs_renders_where_it_reads_and_makes_the_site_one_job_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    files = {"pyproject.toml": SETTINGS, **_posts(READ_POOL_LEAST + 8), **EXTRA}
    one = make_blog(tmp_path / "one" / "blog", files)
    two = make_blog(tmp_path / "two" / "blog", files)
    left: list[list[str]] = []  # the posts the render stage was given, build by build
    real = render.render_posts
    monkeypatch.setattr(render, "render_posts", lambda work, *args, **kwargs: (
        left.append(sorted(document.post.title for document, _, _ in work)), real(work, *args, **kwargs))[1])
    monkeypatch.chdir(tmp_path / "one")
    assert build_site(BuildOptions(source=one, jobs=1, progress=False)).diagnostics == []
    monkeypatch.chdir(tmp_path / "two")
    assert build_site(BuildOptions(source=two, jobs=2, progress=False)).diagnostics == []
    assert len(left[0]) == READ_POOL_LEAST + 9  # --jobs 1: every published post, in the render stage
    assert left[1] == ["Liquid"]  # --jobs 2: only the post with Liquid was left to it
    assert read_tree(two / "site") == read_tree(one / "site")
    assert "This is Ahead." in (two / "site" / "posts" / "liquid" / "index.html").read_text(encoding="utf-8")


def test_a_post_whose_rendering_fails_is_reported_as_with_one_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    files = {"pyproject.toml": SETTINGS, **_posts(READ_POOL_LEAST), "posts/2024-12-03-wrong.md": post("Wrong", "2024-12-03", WRONG)}
    said = []
    for jobs in (1, 2):
        blog = make_blog(tmp_path / str(jobs) / "blog", files)
        monkeypatch.chdir(tmp_path / str(jobs))
        with pytest.raises(JourneyError) as failed:
            build_site(BuildOptions(source=blog, jobs=jobs, progress=False))
        said.append([str(d) for d in failed.value.diagnostics if d.is_error])
        assert not (blog / "site").exists()
    assert said[0] == said[1] == [
        ("blog/posts/2024-12-03-wrong.md:5:5: error: unknown cross-reference '@fig-missing': no figure, table or "
         "equation in this post has the label 'fig-missing'")]


def test_render_ahead_renders_only_the_published_plain_posts_it_is_given(tmp_path: Path) -> None:
    """In-process, on reads of each kind: the plain post's rendering is stored and handed on; the
    draft and the future post (which `published` leaves out, as the build's `publishes` does), the post with
    Liquid and the post that fails are not."""
    blog = make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS, **_posts(1), **EXTRA,
                                         "posts/2024-12-03-wrong.md": post("Wrong", "2024-12-03", WRONG)})
    config, _ = load_config(blog)
    reads = [read_file(config, path) for path in sorted((blog / "posts").glob("*.md"))]
    store = Store(tmp_path / "store.sqlite")
    took: dict[str, dict] = {}
    ahead = RenderAhead(config, "code", lambda key: None, StoredRenderings(store), lambda key, entry: took.setdefault(key, entry),
                        published=lambda post: publishes(post, drafts=False, future=False, now=datetime(2026, 1, 1, tzinfo=UTC)))
    made, sent = ahead(reads)
    ahead.take(made)
    plain = next(r.document.post for r in reads if r.document.post.title == "Post 0")
    assert list(took) == [render.render_key(plain, [], config, render_scope(config, "code"))]
    assert store.keys("html") == set(took)  # stored where it was rendered
    # Sent back: the rendered post's read without its Markdown (its post kept), the others whole.
    assert [(r.source, r.document.post) for r in sent] == [(r.source, r.document.post) for r in reads]
    assert [r.document.body == "" for r in sent] == [r.document.post is plain for r in reads]
    assert all(r.document.body for r in reads)

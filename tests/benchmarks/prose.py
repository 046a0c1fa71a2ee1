"""A corpus in the shape of zachleat/bench-framework-markdown, the public benchmark static-site
generators are compared on: N Markdown files of plain prose, each named after its title, with
only `title:` in its front matter (no date) and three paragraphs of lorem-ipsum sentences, about
1 KB a file. Generated, not copied: the same seed gives the same bytes.

    python -m tests.benchmarks.prose OUT --posts 4000 --seed 1

OUT gets `pyproject.toml` and `posts/<title-slug>.md`. `copy_corpus` takes the public corpus
instead (its `_markdown-samples/4000/` folder, say) and lays it out the same way.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

# The words of the classic lorem-ipsum passage, which the benchmark's samples are made of.
WORDS = (
    "lorem ipsum dolor sit amet consectetur adipisicing elit sed do eiusmod tempor incididunt ut labore "
    "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
    "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat nulla "
    "pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim "
    "id est laborum"
).split()
SETTINGS = '[tool.journey]\ntitle = "Prose bench"\nbase_url = "https://example.github.io/bench/"\ntimezone = "UTC"\n'


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 15))]
    return " ".join(words).capitalize() + "."


def post(rng: random.Random, title: str) -> str:
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(3, 7))) for _ in range(3)]
    return f"---\ntitle: {title}\n---\n\n" + "\n\n".join(paragraphs)


def generate(out: Path, posts: int = 4000, seed: int = 1) -> list[Path]:
    """Write the corpus into `out` (a new folder); the post files, in order."""
    rng = random.Random(seed)
    (out / "posts").mkdir(parents=True)
    (out / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    written, taken = [], set()
    while len(written) < posts:
        title = " ".join(rng.choice(WORDS) for _ in range(5))
        slug = title.replace(" ", "-")
        if slug in taken:
            continue
        taken.add(slug)
        path = out / "posts" / f"{slug}.md"
        path.write_text(post(rng, title), encoding="utf-8")
        written.append(path)
    return written


def copy_corpus(samples: Path, out: Path) -> list[Path]:
    """The public corpus's Markdown files (one folder of them) laid out as `generate` does."""
    (out / "posts").mkdir(parents=True)
    (out / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    written = []
    for source in sorted(samples.glob("*.md")):
        written.append(out / "posts" / source.name)
        shutil.copyfile(source, written[-1])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"wrote {len(generate(args.out, args.posts, args.seed))} posts into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

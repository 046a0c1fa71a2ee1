"""Benchmark corpus: a seeded generator of a realistic 1,000-post blog (deterministic per seed)."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

from . import vocab

TAG_POOL = vocab.words_of(
    "python numpy pandas sklearn pytorch statistics linear-algebra calculus probability "
    "optimization regression classification clustering trees ensembles neural-networks cnn "
    "rnn transformers nlp vision reinforcement-learning bayesian sampling evaluation features "
    "data-cleaning visualization notebooks testing debugging performance deployment mlops "
    "monitoring ethics reading career tooling git math"
)
CATEGORIES = ("Foundations", "Classical ML", "Deep learning", "Production", "Notes", "Projects")
FIRST_DAY = dt.date(2018, 1, 1)
DAYS_SPAN = 6 * 365
SYLLABLES = vocab.words_of("ka ri to mo lan ser vi pe dul tra con ex mer sta ble ion ter ga po nu")
SETTINGS = """[project]
name = "bench-blog"
version = "0.0.0"

[tool.journey]
title = "Benchmark journey"
description = "A generated corpus for timing the build."
author = "Bench Author"
base_url = "https://example.github.io/bench/"
"""


@dataclass(frozen=True)
class Lexicon:
    """Words with Zipf-like cumulative weights, so prose has a realistic frequency profile."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]


def make_lexicon(rng: random.Random, invented: int = 2500) -> Lexicon:
    """Real words first (most frequent), then invented syllable words in the long tail."""
    real = list(
        dict.fromkeys(
            vocab.FUNCTION_WORDS
            + vocab.CONTENT_WORDS
            + vocab.VERBS
            + vocab.ADJECTIVES
            + vocab.ADVERBS
        )
    )
    made: dict[str, None] = {}
    while len(made) < invented:
        made["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    words = tuple(real + [w for w in made if w not in real])
    return Lexicon(words, tuple(itertools.accumulate(1.0 / (i + 1) for i in range(len(words)))))


def _words(rng: random.Random, lex: Lexicon, n: int) -> list[str]:
    return rng.choices(lex.words, cum_weights=lex.cum_weights, k=n)


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(vocab.VERBS)}_{rng.choice(vocab.CONTENT_WORDS)}"


def _inline(rng: random.Random, word: str) -> str:
    """Now and then dress a word as code, a link, emphasis, strong or strike-through."""
    roll = rng.random()
    if roll < 0.025:
        return f"`{_ident(rng)}()`"
    if roll < 0.035:
        return f"[{word} {rng.choice(vocab.NAMES)}](https://example.org/{rng.choice(vocab.NAMES)}/{word})"
    if roll < 0.05:
        return f"*{word}*"
    if roll < 0.058:
        return f"**{word}**"
    if roll < 0.06:
        return f"~~{word}~~"
    return word


def sentence(rng: random.Random, lex: Lexicon, plain: bool = False) -> str:
    """One sentence of 4–28 words, sometimes with a clause break, inline markup unless plain."""
    words = _words(rng, lex, rng.choice((4, 6, 8, 10, 12, 14, 16, 20, 24, 28)))
    if not plain:
        words = [_inline(rng, w) for w in words]
    if len(words) > 8 and rng.random() < 0.4:
        cut = rng.randint(3, len(words) - 3)
        words[cut] += rng.choice((",", ",", ";", " —"))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".........?!")


def paragraph(rng: random.Random, lex: Lexicon, target: int) -> str:
    """Sentences until about `target` words."""
    out: list[str] = []
    while sum(len(s.split()) for s in out) < target:
        out.append(sentence(rng, lex))
    return " ".join(out)


def title(rng: random.Random, lex: Lexicon) -> str:
    words = _words(rng, lex, rng.randint(3, 7))
    return " ".join(w.capitalize() if i == 0 or len(w) > 3 else w for i, w in enumerate(words))


def python_block(rng: random.Random, lex: Lexicon) -> list[str]:
    """A fenced block of 10–40 lines of plausible Python, built from snippet templates."""
    from .pysnippets import SNIPPETS, filler

    target = rng.randint(10, 40)
    lines: list[str] = []
    for _ in range(20):
        snippet = rng.choice(SNIPPETS)(rng, lex)
        if len(lines) + len(snippet) + (1 if lines else 0) > target:
            continue
        lines += ([""] if lines else []) + snippet
    while len(lines) < target:
        lines.append(filler(rng))
    return ["```python", *lines, "```"]


def table(rng: random.Random, lex: Lexicon) -> list[str]:
    cols = rng.randint(3, 5)
    head = ["setting"] + _words(rng, lex, cols - 1)
    rows = [" | ".join(head), " | ".join(["---"] + ["---:"] * (cols - 1))]
    for _ in range(rng.randint(3, 7)):
        cells = [rng.choice(vocab.CONTENT_WORDS)]
        cells += [f"{rng.uniform(0, 100):.{rng.randint(0, 3)}f}" for _ in range(cols - 1)]
        rows.append(" | ".join(cells))
    return [f"| {r} |" for r in rows]


def bullet_list(rng: random.Random, lex: Lexicon, ordered: bool) -> list[str]:
    return [
        f"{f'{i}.' if ordered else '-'} {sentence(rng, lex)}"
        for i in range(1, rng.randint(3, 6) + 1)
    ]


def extras(rng: random.Random, lex: Lexicon) -> list[list[str]]:
    """The non-paragraph blocks a post carries: code, a table, lists, a quote, a footnote ref."""
    blocks = [python_block(rng, lex) for _ in range(rng.randint(2, 4))]
    blocks += [table(rng, lex), bullet_list(rng, lex, False), bullet_list(rng, lex, True)]
    blocks.append([f"> {sentence(rng, lex)}", ">", f"> {sentence(rng, lex)}"])
    blocks.append([paragraph(rng, lex, 25) + "[^1]"])
    rng.shuffle(blocks)
    return blocks


def _prose_words(lines: list[str]) -> int:
    """Words outside fenced code, roughly what a reader reads."""
    count, fenced = 0, False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            count += len(line.split())
    return count


def body(rng: random.Random, lex: Lexicon) -> list[str]:
    """Intro, 3–6 headed sections holding the extras, paragraphs up to 800–1,500 words."""
    target = rng.randint(820, 1400)  # headings and the last sentence may overshoot a little
    n_sections = rng.randint(3, 6)
    sections: list[list[list[str]]] = [[] for _ in range(n_sections + 1)]
    for block in extras(rng, lex):
        sections[rng.randint(1, n_sections)].append(block)
    footnote = f"[^1]: {sentence(rng, lex)}"
    words = _prose_words([ln for s in sections for b in s for ln in b]) + len(footnote.split())
    for i in itertools.chain(range(n_sections + 1), itertools.count()):
        section = sections[i if i <= n_sections else rng.randint(0, n_sections)]
        if words >= target and i > n_sections:
            break
        text = paragraph(rng, lex, max(20, min(rng.randint(40, 110), target - words)))
        section.insert(rng.randint(0, len(section)), [text])
        words += len(text.split())
    out: list[str] = []
    for i, section in enumerate(sections):
        if i:
            level = "##" if i == 1 or rng.random() < 0.6 else "###"
            out += [f"{level} {title(rng, lex)}", ""]
        for block in section:
            out += [*block, ""]
    return [*out, footnote]


def front_matter(rng: random.Random, lex: Lexicon, post_title: str, day: dt.date) -> list[str]:
    tags = rng.sample(TAG_POOL, rng.randint(1, 5))
    desc = sentence(rng, lex, plain=True).replace('"', "")
    return [
        "---",
        f'title: "{post_title}"',
        f"date: {day.isoformat()}",
        f'description: "{desc}"',
        f"tags: [{', '.join(tags)}]",
        f"categories: [{rng.choice(CATEGORIES)}]",
        "---",
        "",
    ]


def _slug(text: str) -> str:
    return "-".join("".join(c for c in w.lower() if c.isalnum()) for w in text.split())


def generate(out: Path, posts: int = 1000, seed: int = 1) -> list[Path]:
    """Write OUT/pyproject.toml and OUT/posts/*.md; return the post paths, sorted."""
    rng = random.Random(seed)
    lex = make_lexicon(rng)
    (out / "posts").mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    seen: set[str] = set()
    paths: list[Path] = []
    for n in range(posts):
        post_title = title(rng, lex)
        slug = _slug(post_title)[:60].strip("-") or "post"
        slug = slug if slug not in seen else f"{slug}-{n}"
        seen.add(slug)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS_SPAN))
        lines = front_matter(rng, lex, post_title, day) + body(rng, lex)
        path = out / "posts" / f"{day.isoformat()}-{slug}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    paths = generate(args.out, args.posts, args.seed)
    print(f"wrote {len(paths)} posts to {args.out / 'posts'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

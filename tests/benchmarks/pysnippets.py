"""Benchmark corpus: plausible Python snippets, so Pygments has real work per code block."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from . import vocab

Snippet = Callable[[random.Random, Any], list[str]]


def _n(rng: random.Random) -> str:
    return rng.choice(
        (str(rng.randint(0, 512)), f"{rng.uniform(0, 10):.3f}", f"1e-{rng.randint(2, 6)}")
    )


def _var(rng: random.Random) -> str:
    return rng.choice(vocab.CONTENT_WORDS).replace("-", "_")


def _fn(rng: random.Random) -> str:
    return f"{rng.choice(vocab.VERBS)}_{_var(rng)}"


def _comment(rng: random.Random, lex: Any) -> str:
    words = rng.choices(lex.words, cum_weights=lex.cum_weights, k=rng.randint(3, 9))
    return "# " + " ".join(words)


def imports(rng: random.Random, lex: Any) -> list[str]:
    pool = [
        "import math",
        "import json",
        "import random",
        "from pathlib import Path",
        "import numpy as np",
        "import pandas as pd",
        "import torch",
        "from collections import Counter, defaultdict",
        "from dataclasses import dataclass",
        "from sklearn.model_selection import train_test_split",
    ]
    return sorted(rng.sample(pool, rng.randint(2, 4)))


def constants(rng: random.Random, lex: Any) -> list[str]:
    names = rng.sample(vocab.CONTENT_WORDS, rng.randint(2, 4))
    lines = [_comment(rng, lex)]
    for name in names:
        value = rng.choice((_n(rng), f'"{rng.choice(vocab.NAMES)}"', f"[{_n(rng)}, {_n(rng)}]"))
        lines.append(f"{name.upper()} = {value}")
    return lines


def function(rng: random.Random, lex: Any) -> list[str]:
    a, b, acc, item = _var(rng), _var(rng), _var(rng) + "s", _var(rng)
    return [
        f"def {_fn(rng)}({a}, {b}={_n(rng)}):",
        f'    """{" ".join(rng.choices(lex.words, cum_weights=lex.cum_weights, k=6)).capitalize()}."""',
        f"    {acc} = []",
        f"    for i, {item} in enumerate({a}):",
        f"        if {item} > {b} * {_n(rng)}:",
        f"            {acc}.append({item} ** 2)  {_comment(rng, lex)}",
        "        else:",
        f"            {acc}.append(math.sqrt(abs({item})) + i)",
        f"    return sum({acc}) / max(len({acc}), 1)",
    ]


def klass(rng: random.Random, lex: Any) -> list[str]:
    name = _var(rng).capitalize() + rng.choice(("Model", "Tracker", "Loader", "Config"))
    a, b = _var(rng), _var(rng)
    return [
        "@dataclass",
        f"class {name}:",
        f'    """{_comment(rng, lex)[2:].capitalize()}."""',
        "",
        f"    {a}: float = {_n(rng)}",
        f'    {b}: str = "{rng.choice(vocab.NAMES)}"',
        "",
        f"    def {_fn(rng)}(self, values):",
        f"        scaled = [v * self.{a} for v in values if v is not None]",
        f'        return {{"{b}": self.{b}, "total": sum(scaled), "n": len(scaled)}}',
    ]


def comprehension(rng: random.Random, lex: Any) -> list[str]:
    a, b = _var(rng), _var(rng)
    return [
        _comment(rng, lex),
        f"{a} = {{k: v for k, v in zip(range({rng.randint(3, 50)}), {b}) if v % 2 == 0}}",
        f"{b}_sorted = sorted({a}.items(), key=lambda kv: (-kv[1], kv[0]))",
        f'print(f"{{len({a})}} {a} kept, best={{{b}_sorted[0] if {b}_sorted else None}}")',
    ]


def training_loop(rng: random.Random, lex: Any) -> list[str]:
    return [
        f"model = torch.nn.Linear({rng.randint(2, 784)}, {rng.randint(1, 10)})",
        f"optimizer = torch.optim.SGD(model.parameters(), lr={_n(rng)})",
        f"for epoch in range({rng.randint(3, 100)}):",
        "    for xb, yb in loader:",
        "        optimizer.zero_grad()",
        "        loss = torch.nn.functional.mse_loss(model(xb), yb)",
        f"        loss.backward()  {_comment(rng, lex)}",
        "        optimizer.step()",
        f"    if epoch % {rng.randint(2, 10)} == 0:",
        '        print(f"epoch {epoch:3d} loss {loss.item():.4f}")',
    ]


def guarded(rng: random.Random, lex: Any) -> list[str]:
    path = f"{_var(rng)}.json"
    return [
        "try:",
        f'    with open("{path}", encoding="utf-8") as fh:',
        "        records = json.load(fh)",
        "except FileNotFoundError as exc:",
        f'    raise SystemExit(f"missing {{exc.filename}}: run {_fn(rng)}() first")',
        f"frame = pd.DataFrame(records).dropna().query('{_var(rng)} > {_n(rng)}')",
    ]


SNIPPETS: tuple[Snippet, ...] = (
    imports,
    constants,
    function,
    klass,
    comprehension,
    training_loop,
    guarded,
)


def filler(rng: random.Random) -> str:
    """One statement, to pad a block to its drawn length."""
    return rng.choice(
        (
            f"{_var(rng)} = {_fn(rng)}({_var(rng)}, rate={_n(rng)})",
            f"print({_var(rng)}.shape, {_var(rng)}[:{rng.randint(1, 9)}])",
            f"assert {_var(rng)} >= {_n(rng)}, 'unexpected {_var(rng)}'",
            f"{_var(rng)} += {_n(rng)} * np.random.randn({rng.randint(1, 64)})",
        )
    )

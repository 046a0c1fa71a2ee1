"""One code stylesheet for both colour schemes: two Pygments styles' token rules merged with CSS
`light-dark()`, so the colours follow the page's `color-scheme` (the system's, or the reader's
choice) with no second stylesheet to fetch or switch. Rules with the same declarations share one."""

from __future__ import annotations

import re

SYNTAX_STYLES = "default+github-dark"  # the light Pygments style, then the dark one
_RULE = re.compile(r"^(\.highlight(?: \.[\w-]+)?) \{ (.*?);? \}$")
_COLOURS = ("color", "background-color", "background")
# The block's own background is the theme's code surface, and journey never highlights lines.
_SKIPPED = {".highlight", ".highlight .hll"}


def paired_css(light: str, dark: str) -> str:
    """`light` and `dark` (pygments_css output) as one stylesheet: each colour is
    light-dark(light's, dark's), a colour one style leaves unset following the text; weights and
    slants are the light style's."""
    light_rules, dark_rules = _rules(light), _rules(dark)
    merged: dict[str, str] = {}
    for selector in dict.fromkeys([*light_rules, *dark_rules]):
        if selector in _SKIPPED:
            continue
        mine, theirs = light_rules.get(selector, {}), dark_rules.get(selector, {})
        declarations = []
        for prop in dict.fromkeys([*mine, *(p for p in theirs if p in _COLOURS)]):
            if prop not in _COLOURS:
                declarations.append(f"{prop}: {mine[prop]}")
                continue
            first, second = mine.get(prop, _unset(prop)), theirs.get(prop, _unset(prop))
            declarations.append(f"{prop}: {first}" if first == second else f"{prop}: light-dark({first}, {second})")
        if declarations:
            merged[selector] = "; ".join(declarations)
    grouped: dict[str, list[str]] = {}
    for selector, body in merged.items():
        grouped.setdefault(body, []).append(selector)
    return "".join(f"{','.join(selectors)} {{ {body} }}\n" for body, selectors in grouped.items())


def _rules(css: str) -> dict[str, dict[str, str]]:
    """Each selector's declarations; a token colour that is the style's own text colour is left
    out (the token then follows the code block's text, as plain text does)."""
    rules: dict[str, dict[str, str]] = {}
    for line in css.splitlines():
        found = _RULE.match(line.strip())
        if found:
            pairs = (part.split(":", 1) for part in found.group(2).split(";") if ":" in part)
            rules[found.group(1)] = {name.strip(): value.strip() for name, value in pairs}
    text = rules.get(".highlight", {}).get("color", "").lower()
    for selector, declarations in rules.items():
        if selector != ".highlight" and text and declarations.get("color", "").lower() == text:
            del declarations["color"]
    return rules


def styled_classes(css: str) -> frozenset[str]:
    """The token classes (`n`, `kd`, …) a stylesheet made by `paired_css` has a rule for."""
    return frozenset(re.findall(r"\.highlight \.([\w-]+)", css))


def _unset(prop: str) -> str:
    return "currentColor" if prop == "color" else "transparent"

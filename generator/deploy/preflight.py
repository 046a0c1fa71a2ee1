"""Check's GitHub Pages preflight: size limits, dotfiles, .nojekyll and CNAME of the built site."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error, warning

# GitHub's documented limits, in decimal units so the check errs on the safe side.
SITE_LIMIT = 1_000_000_000  # "published GitHub Pages sites may be no larger than 1 GB"
FILE_LIMIT = 100_000_000  # GitHub refuses files larger than 100 MB
SITE_WARN_FRACTION = 0.75
LARGEST_SHOWN = 5


def preflight_summary(site_dir: Path) -> list[str]:
    """Lines for the terminal: the site's size against the Pages limit and its largest files."""
    files = site_files(site_dir)
    total = sum(files.values())
    share = f"{total / SITE_LIMIT:.1%} of the 1 GB GitHub Pages limit"
    lines = [f"site: {_size(total)} in {len(files)} files ({share})"]
    largest = sorted(files.items(), key=lambda item: (-item[1], item[0]))[:LARGEST_SHOWN]
    if largest:
        lines.append("largest files:")
        lines += [f"  {_size(size):>9}  {path}" for path, size in largest]
    return lines


def preflight(site_dir: Path, files: dict[str, int]) -> list[Diagnostic]:
    """The site against GitHub's size limits, and what a Pages upload would drop or misread."""
    problems = []
    shown = display_path(site_dir)
    total = sum(files.values())
    if total > SITE_LIMIT:
        message = f"site is {_size(total)}, over the 1 GB GitHub Pages limit"
        problems.append(error(shown, 0, 0, message))
    elif total > SITE_LIMIT * SITE_WARN_FRACTION:
        message = f"site is {_size(total)}, {total / SITE_LIMIT:.0%} of the 1 GB GitHub Pages limit"
        problems.append(warning(shown, 0, 0, message))
    for path, size in files.items():
        if size > FILE_LIMIT:
            message = f"file is {_size(size)}, over GitHub's 100 MB file limit"
            problems.append(error(display_path(site_dir / path), 0, 0, message))
    for dotted in sorted(_dotted_paths(files)):
        message = f"'{dotted}' starts with a dot: a GitHub Pages artifact upload leaves it out"
        problems.append(warning(display_path(site_dir / dotted), 0, 0, message))
    if ".nojekyll" not in files:
        message = (
            "missing .nojekyll: GitHub Pages would run Jekyll and drop files starting with '_'"
        )
        problems.append(warning(shown, 0, 0, message))
    return problems


def check_cname(config: SiteConfig, site_dir: Path) -> list[Diagnostic]:
    """The site's CNAME file must name the configured custom domain, or be absent without one."""
    path = site_dir / "CNAME"
    found = path.read_text(encoding="utf-8", errors="replace").strip() if path.is_file() else ""
    if found == config.cname.strip():
        return []
    if not config.cname:
        message = f"CNAME names '{found}' but the settings have no cname"
    elif not found:
        message = f"missing CNAME: the settings say cname = '{config.cname}'"
    else:
        message = f"CNAME names '{found}' but the settings say cname = '{config.cname}'"
    return [error(display_path(path), 0, 0, message)]


def _dotted_paths(files: dict[str, int]) -> set[str]:
    """The outermost file or folder starting with '.' on each path, except .nojekyll."""
    found = set()
    for path in files:
        parts = path.split("/")
        for index, part in enumerate(parts):
            if part.startswith("."):
                found.add("/".join(parts[: index + 1]))
                break
    found.discard(".nojekyll")
    return found


def site_files(site_dir: Path) -> dict[str, int]:
    """Every file under the site folder (posix path → size in bytes), in sorted order."""
    sizes = {}
    for folder, dirnames, filenames in os.walk(site_dir):
        dirnames.sort()
        relative = Path(folder).relative_to(site_dir).as_posix()
        prefix = "" if relative == "." else relative + "/"
        for name in filenames:
            try:
                sizes[prefix + name] = (Path(folder) / name).stat().st_size
            except OSError:  # a dangling symlink: nothing to upload
                continue
    return dict(sorted(sizes.items()))


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.2f} GB"

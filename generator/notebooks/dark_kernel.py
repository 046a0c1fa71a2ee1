"""Runs inside the kernel, never in the build: the text of journey's setup cell (dark_figures.py
sends it). It registers IPython formatters that give every displayed matplotlib Figure a dark
twin in the same output bundle, drawn from the same Figure object (the plotting code does not run
again): neutral colours (backgrounds, text, spines, ticks, grid, legend frames) have their
lightness inverted onto the theme's dark palette, data colours stay (colormaps, saturated colours,
and the texts written over colour-mapped data), then every changed property is put back, so the light image is the one the notebook shows without journey.

Lazy: the formatters look for matplotlib in sys.modules, so matplotlib is imported only by a
notebook that imports it. The twin is drawn with the printer the inline backend registered for the light
image (same format, dpi, bbox and metadata); a figure with no such printer gets no twin. Any
failure gives no twin, never an error in the author's cell. Runs in its own namespace, so the
notebook's names are untouched.
"""

import copy

DARK_PNG = "application/vnd.journey.dark+png"
DARK_SVG = "application/vnd.journey.dark+svg+xml"
LIGHT_OF = {DARK_PNG: "image/png", DARK_SVG: "image/svg+xml"}
SURFACE = (0x14 / 255, 0x17 / 255, 0x1C / 255)  # the theme's dark page, --bg
INK = (0xE3 / 255, 0xE7 / 255, 0xEE / 255)  # the theme's dark text, --fg
NEUTRAL = 0.2  # channels closer than this: a grey (text, axes, grid), not a data colour
# What the colour setters of Text, Line2D, Patch and Collection change, saved and put back as is.
COLOUR_STATE = ("_color", "_markerfacecolor", "_markeredgecolor", "_markerfacecoloralt", "_facecolor",
                "_edgecolor", "_original_facecolor", "_original_edgecolor", "_facecolors", "_edgecolors",
                "_hatch_color", "_face_is_mapped", "_edge_is_mapped", "_mapped_colors", "_stale")


def dark_colour(rgba):
    """A neutral colour with its lightness inverted (white → the dark surface, black → the
    light ink, greys between); a saturated one as it is."""
    red, green, blue, alpha = rgba
    if max(red, green, blue) - min(red, green, blue) >= NEUTRAL:
        return rgba
    inverse = 1 - (max(red, green, blue) + min(red, green, blue)) / 2
    return tuple(s + (i - s) * inverse for s, i in zip(SURFACE, INK)) + (alpha,)


def _dark_colours(colours):
    """An (n, 4) RGBA array with each row made dark."""
    import numpy

    rows = numpy.asarray(colours, dtype=float).reshape(-1, 4)
    return numpy.array([dark_colour(tuple(row)) for row in rows]).reshape(-1, 4)


def _restyle(artist):
    """Make one artist's neutral colours dark, through matplotlib's own setters."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    if isinstance(artist, Text):
        artist.set_color(dark_colour(to_rgba(artist.get_color())))
    elif isinstance(artist, Line2D):
        artist.set_color(dark_colour(to_rgba(artist.get_color())))
        for name in ("markerfacecolor", "markeredgecolor"):
            value = getattr(artist, "get_" + name)()
            if not (isinstance(value, str) and value == "none"):
                getattr(artist, "set_" + name)(dark_colour(to_rgba(value)))
    elif isinstance(artist, Patch):
        artist.set_facecolor(dark_colour(artist.get_facecolor()))
        artist.set_edgecolor(dark_colour(artist.get_edgecolor()))
    elif isinstance(artist, Collection) and artist.get_array() is None:  # a colormap's colours are data
        if len(artist.get_facecolor()):
            artist.set_facecolor(_dark_colours(artist.get_facecolor()))
        if len(artist.get_edgecolor()):
            artist.set_edgecolor(_dark_colours(artist.get_edgecolor()))


def _saved(artist):
    return {name: copy.copy(value) for name, value in vars(artist).items() if name in COLOUR_STATE}


def _artists(figure):
    """Every artist of the figure, with the boxes and arrows of its texts (not children of theirs)."""
    found = []
    for artist in figure.findobj():
        found.append(artist)
        found += [p for p in (getattr(artist, "_bbox_patch", None), getattr(artist, "arrow_patch", None)) if p]
    return list({id(a): a for a in found}.values())


def _on_data(figure):
    """The ids of texts written over colour-mapped data (a confusion matrix's counts, a heatmap's
    values): coloured against the data under them, so they keep their colours."""
    kept = set()
    for axes in figure.axes:
        if axes.images or any(c.get_array() is not None for c in axes.collections):
            kept.update(id(text) for text in axes.texts)
    return kept


def dark_rendering(figure, light_mime):
    """The figure drawn dark by the printer of `light_mime`, or None; the figure is left as it was."""
    import matplotlib
    from IPython import get_ipython

    try:
        printer = get_ipython().display_formatter.formatters[light_mime].lookup(figure)
    except KeyError:  # the inline backend draws no image of this format
        return None
    artists, kept = _artists(figure), _on_data(figure) | {id(figure)}
    saved = [(artist, _saved(artist)) for artist in artists]  # the figure's too: its stale flag
    interactive = matplotlib.is_interactive()
    matplotlib.interactive(False)  # no redraw while colours change and change back
    try:
        for artist in artists:
            if id(artist) not in kept:
                _restyle(artist)
        return printer(figure)
    except Exception:  # noqa: BLE001 - an odd artist: no twin, and the author's cell is unharmed
        return None
    finally:
        for artist, state in reversed(saved):
            vars(artist).update(state)
        matplotlib.interactive(interactive)


def install(shell):
    """Register one formatter per dark MIME type. It answers for matplotlib Figures only, by
    checking the type when called: the inline backend, on start, takes Figure out of every
    formatter's registry, so a registered printer would be gone."""
    import sys

    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    def draw(self, obj):
        figure = sys.modules.get("matplotlib.figure")  # None until the notebook imports matplotlib
        if not self.enabled or figure is None or not isinstance(obj, figure.Figure):
            return None
        try:
            return dark_rendering(obj, LIGHT_OF[self.format_type])
        except Exception:  # noqa: BLE001 - no twin rather than an error in the author's cell
            return None

    for dark in LIGHT_OF:
        formatter_class = type("JourneyDarkFormatter", (BaseFormatter,), {
            "format_type": Unicode(dark),
            "print_method": ObjectName("_repr_journey_dark_"),
            "_return_type": (str,),
            "__call__": draw,
        })
        shell.display_formatter.formatters[dark] = formatter_class(parent=shell.display_formatter)


if __name__ == "journey_dark_figures":
    from IPython import get_ipython

    if get_ipython() is not None:
        install(get_ipython())

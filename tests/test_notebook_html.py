"""Rendering executed notebooks into fragments, on hand-made notebooks (no kernel)."""

from __future__ import annotations

import base64
import html
import struct
import zlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from generator.glue import VALUE_MIME
from generator.content.highlight import highlight_code
from generator.notebooks.to_html import render_notebook


def png(width: int, height: int) -> bytes:
    """A real, tiny grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def cell(source: str, *outputs: dict, tags: tuple[str, ...] = (), cell_id: str = "") -> dict:
    made = new_code_cell(source, outputs=list(outputs))
    made.metadata["tags"] = list(tags)
    if cell_id:
        made.id = cell_id
    return made


def render(*cells: dict):
    nb = new_notebook(cells=list(cells), metadata={"language_info": {"name": "python"}})
    return render_notebook(
        nb, markdown=lambda text: f"<p>{html.escape(text)}</p>\n", highlight=highlight_code
    )


def stdout(text: str) -> dict:
    return new_output("stream", name="stdout", text=text)


def test_code_cell_structure_and_pygments_classes() -> None:
    out = render(cell("x = 1", stdout("hello\n"), cell_id="abc"))
    assert '<div class="nb-cell nb-code" id="cell-abc">' in out.html
    assert '<div class="nb-input">\n<div class="highlight"><pre>' in out.html
    assert '<code>x <span class="o">=</span>' in out.html
    assert '<div class="nb-output-item nb-stream nb-stdout"><pre>hello\n</pre></div>' in out.html
    assert out.html.startswith('<div class="nb-notebook">')


def test_tags_are_honoured() -> None:
    out = render(
        cell("a_in", stdout("a_out"), tags=("remove-input",)),
        cell("b_in", stdout("b_out"), tags=("remove-output",)),
        cell("c_in", stdout("c_out"), tags=("remove-cell",)),
        cell("d_in", stdout("d_out"), tags=("hide-input",)),
        cell("e_in", stdout("e_out"), tags=("hide-output",)),
        cell("f_in", stdout("f_out"), tags=("injected-parameters",)),
    )
    text = out.html
    assert "a_in" not in text and "a_out" in text
    assert "b_in" in text and "b_out" not in text
    assert "c_in" not in text and "c_out" not in text
    assert '<details class="nb-input">\n<summary>Show code</summary>' in text
    assert text.index("<summary>Show code</summary>") < text.index("d_in")
    assert '<details class="nb-output">\n<summary>Show output</summary>' in text
    assert text.index("<summary>Show output</summary>") < text.index("e_out")
    assert "f_in" not in text and "f_out" not in text
    removed = next(c for c in out.cells if "remove-cell" in c.tags)
    assert removed.html == "" and "c_out" in removed.output_html and "c_in" in removed.cell_html


def test_jupyter_hidden_metadata_collapses() -> None:
    hidden = cell("secret", stdout("shown"))
    hidden.metadata["jupyter"] = {"source_hidden": True}
    assert "<summary>Show code</summary>" in render(hidden).html


def test_png_becomes_a_hashed_file_with_size_and_alt() -> None:
    image = png(7, 5)
    data = {"image/png": base64.b64encode(image).decode(), "text/plain": "<Figure size 7x5>"}
    out = render(cell("plot()", new_output("display_data", data=data)))
    name = out.files[0][0]
    assert name.startswith("nb-") and name.endswith(".png") and out.files[0][1] == image
    assert (
        f'<img src="{name}" alt="Output of cell 1" width="7" height="5" loading="lazy">' in out.html
    )
    assert "base64" not in out.html and data["image/png"][:20] not in out.html


def test_svg_and_jpeg_become_files() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0fakejpeg").decode()
    out = render(
        cell("a", new_output("display_data", data={"image/svg+xml": svg})),
        cell("b", new_output("display_data", data={"image/jpeg": jpeg, "text/plain": "a photo"})),
    )
    assert sorted(name.rsplit(".", 1)[1] for name, _ in out.files) == ["jpg", "svg"]
    assert 'alt="a photo"' in out.html and "<svg" not in out.html


def test_ansi_colours_become_spans() -> None:
    out = render(cell("print()", stdout("\x1b[31mred\x1b[0m plain <b>\n")))
    assert '<span class="ansi-red-fg">red</span> plain &lt;b&gt;' in out.html
    assert "\x1b" not in out.html


def test_traceback_is_rendered_with_colours() -> None:
    error = new_output(
        "error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"]
    )
    out = render(cell("raise ValueError('bad')", error, tags=("raises-exception",)))
    assert (
        '<div class="nb-output-item nb-error"><pre>'
        '<span class="ansi-red-fg">ValueError</span>: bad</pre>' in out.html
    )


def test_html_tables_pass_through_without_scoped_style() -> None:
    table = (
        "<div>\n<style scoped>\n.dataframe td {}\n</style>\n"
        '<table border="1" class="dataframe"><tr><td>1</td></tr></table>\n</div>'
    )
    out = render(
        cell("df", new_output("execute_result", data={"text/html": table, "text/plain": "df"}))
    )
    assert '<table class="dataframe"><tr><td>1</td></tr></table>' in out.html
    assert "<style" not in out.html


def test_scripted_outputs_fall_back_to_static_or_offline_charts() -> None:
    image = base64.b64encode(png(2, 2)).decode()
    plotly = {
        "application/vnd.plotly.v1+json": {"data": []},
        "text/html": '<script src="https://cdn.plot.ly/plotly.js"></script><div></div>',
        "image/png": image,
    }
    widget = {
        "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
        "text/plain": "IntSlider(value=3)",
    }
    out = render(
        cell("fig", new_output("display_data", data=plotly)),
        cell("w", new_output("display_data", data=widget)),
        cell("js", new_output("display_data", data={"application/javascript": "alert(1)"})),
    )
    # Plotly is drawn by its own copied bundle (tests/test_presentation.py); its static image stays inside.
    assert "cdn.plot.ly" not in out.html and "alert" not in out.html and "<script src" not in out.html
    assert '<div class="nb-fallback"><div class="nb-output-item nb-image"><a class="nb-zoom" href="nb-' in out.html
    assert '<div class="nb-output-item nb-text"><pre>IntSlider(value=3)</pre></div>' in out.html


def test_latex_and_markdown_outputs() -> None:
    out = render(
        cell("m", new_output("display_data", data={"text/latex": "$$x^2$$", "text/plain": "x**2"})),
        cell("md", new_output("display_data", data={"text/markdown": "**bold**"})),
    )
    assert '<div class="nb-output-item nb-math"><math' in out.html and "<msup>" in out.html
    assert '<div class="nb-output-item nb-markdown"><p>**bold**</p>' in out.html


def test_glued_values_are_collected_and_never_shown() -> None:
    bundle = {VALUE_MIME: {"name": "accuracy", "value": 0.97}, "text/plain": "accuracy = 0.97"}
    out = render(cell("glue()", new_output("display_data", data=bundle)))
    assert out.values == {"accuracy": 0.97}
    assert "accuracy = 0.97" not in out.html and "nb-output" not in out.html


def test_markdown_cells_and_attachments() -> None:
    md = new_markdown_cell("Look: ![chart](attachment:chart.png)")
    md.attachments = {"chart.png": {"image/png": base64.b64encode(png(1, 1)).decode()}}
    md.id = "prose"
    out = render(md)
    name = out.files[0][0]
    assert (
        f'<div class="nb-cell nb-markdown" id="cell-prose">\n<p>Look: ![chart]({name})</p>'
        in out.html
    )


def test_carriage_returns_show_the_final_state() -> None:
    out = render(cell("loop", stdout("10%\r50%\r100%\ndone\n")))
    assert "<pre>100%\ndone\n</pre>" in out.html


def test_rendering_is_deterministic() -> None:
    nb = new_notebook(cells=[cell("x", stdout("y"))])
    nbformat.validate(nb)
    first = render_notebook(nb, markdown=str, highlight=highlight_code)
    second = render_notebook(nb, markdown=str, highlight=highlight_code)
    assert first == second

"""The one piece every ``show_*`` visualizer shares: a figure drawn once, refreshed in place.

The figure's artists are created once; a slider callback updates their data (``set_data``,
``set_height``, ...) and calls :meth:`LiveFigure.refresh`, which renders the same figure to PNG and puts
the bytes into an ``ipywidgets.Image``. Only the image widget's value changes: no output is cleared or
re-displayed, so the update is one message to the browser. This works with the default inline backend (no
ipympl), in JupyterLab, on a hub and in a headless nbclient or nbgrader run alike (capturing outputs into an
``Output`` widget instead made headless execution stall now and then, waiting for a reply that never came).

Two things keep a refresh cheap (``python -m bench widgets`` measures them):

- the figure is drawn on its own Agg canvas and its pixels are reduced to a 256-colour palette and encoded
  by Pillow at a fast compression level, instead of going through ``savefig``'s print pipeline (a third
  of the time, half the bytes; plots have few colours, so the palette is not visible);
- **blitting**: artists passed to :meth:`LiveFigure.animate` (the ones a slider changes) are left out of the
  full drawing. The rest (axes, ticks, labels, heat maps) is drawn once and kept as a background; a refresh
  pastes the background and draws only the animated artists over it. The background is redrawn by itself
  whenever an axes' limits, scale or visibility or the figure's size change, or after :meth:`invalidate`;
  the last few backgrounds are kept by layout, so returning to an earlier range costs no full drawing.

A figure with no animated artists is simply drawn in full on every refresh, so a visualizer that does not
call ``animate`` still works (and still gains from the faster encoding).
"""

from __future__ import annotations

import io
from collections import OrderedDict

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["LiveFigure", "nice_limit"]

PNG_COMPRESS_LEVEL = 1  # zlib level: 1 encodes several times faster than the default 6, for files ~10% larger
PALETTE_COLOURS = 256  # an indexed PNG: quantizing is faster than compressing three times the bytes
CACHED_BACKGROUNDS = 8  # layouts remembered per figure (about 2 MB each for a 12 x 3.6 in figure at 100 dpi)


class LiveFigure:
    """Hold a figure and the ``Image`` widget (``.widget``) it is shown in; ``refresh()`` redraws it there."""

    def __init__(self, fig, *, animated=()):
        self.fig = fig
        self.widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        # Closing detaches the figure from pyplot, so the inline backend does not also show it at the end
        # of the cell; we draw it ourselves, on a canvas of our own, on every refresh.
        plt.close(fig)
        FigureCanvasAgg(fig)
        self._animated: list = []
        self._backgrounds: OrderedDict = OrderedDict()  # layout -> saved pixels of everything not animated
        self.animate(*animated)

    def animate(self, *artists):
        """Mark ``artists`` as the ones updates change: only they are redrawn on a refresh. Returns them."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self.invalidate()
        return artists

    def invalidate(self) -> None:
        """Redraw the background (everything not animated) on the next refresh; call after changing it."""
        self._backgrounds.clear()

    def _layout(self) -> tuple:
        """What the cached background depends on besides the static artists: limits, scales, size."""
        axes = tuple(
            (ax.get_visible(), tuple(ax.get_xlim()), tuple(ax.get_ylim()), ax.get_xscale(), ax.get_yscale())
            for ax in self.fig.axes
        )
        return axes, tuple(self.fig.get_size_inches()), self.fig.dpi

    def render(self) -> np.ndarray:
        """Draw the figure and return its pixels, an ``(height, width, 4)`` uint8 RGBA array (a view)."""
        canvas = self.fig.canvas
        if not self._animated:
            canvas.draw()
            return np.asarray(canvas.buffer_rgba())
        layout = self._layout()
        background = self._backgrounds.get(layout)
        if background is None:
            canvas.draw()  # draws every artist that is not animated
            self._backgrounds[layout] = canvas.copy_from_bbox(self.fig.bbox)
            while len(self._backgrounds) > CACHED_BACKGROUNDS:
                self._backgrounds.popitem(last=False)
        else:
            self._backgrounds.move_to_end(layout)
            canvas.restore_region(background)
        renderer = canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba())

    def png(self) -> bytes:
        """The figure as PNG bytes, at the figure's own size and resolution."""
        buffer = io.BytesIO()
        pixels = self.render()  # RGBA, read in place (no copy); the figure's background is opaque
        image = Image.frombuffer("RGBA", (pixels.shape[1], pixels.shape[0]), pixels, "raw", "RGBA", 0, 1)
        image = image.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
        image.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()

    def refresh(self) -> None:
        self.widget.value = self.png()


def nice_limit(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) at or above ``value``.

    An axis limit that moves in such steps stays put while the data wobbles, so the cached background of
    a :class:`LiveFigure` survives most slider moves.
    """
    if not np.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10.0 * power)  # pragma: no cover - the loop always returns

"""A :class:`LiveFigure` that redraws only what moves: the background is rendered once, then blitted.

Drawing a whole figure (axes, ticks, labels) costs most of a slider move; the bars or the image that change
are cheap. ``BlittedFigure`` marks the changing artists ``animated`` (so a full draw skips them), keeps the
rendered background, and on :meth:`refresh` restores it, draws only those artists and encodes the pixels
as PNG. Call :meth:`invalidate` after a change to the background (axis limits, static data), and the next
refresh renders it again. Used by notebook 05's widgets.
"""

from __future__ import annotations

import io

from course.widgets.live_figure import LiveFigure

__all__ = ["BlittedFigure"]


class BlittedFigure(LiveFigure):
    """``LiveFigure`` with a cached background; ``artists`` are the ones a slider changes."""

    def __init__(self, fig, artists):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        super().__init__(fig)
        FigureCanvasAgg(fig)  # pyplot's close() left a bare canvas; blitting needs Agg's pixel buffer
        self.artists = list(artists)
        for artist in self.artists:
            artist.set_animated(True)
        self._background = None

    def invalidate(self) -> None:
        """The background changed: render it again at the next refresh."""
        self._background = None

    def png(self) -> bytes:
        from PIL import Image

        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.artists:
            if artist.get_visible():
                artist.axes.draw_artist(artist) if artist.axes is not None else self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buffer, format="png", compress_level=1)
        return buffer.getvalue()

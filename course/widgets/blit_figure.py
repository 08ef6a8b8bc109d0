"""A :class:`~course.widgets.live_figure.LiveFigure` that redraws only the artists a slider moves.

Rendering a whole multi-panel figure to PNG costs 60-120 ms on a 2-core machine (ticks, labels and grid are
laid out again every time), over the 50 ms a slider may take. ``BlitFigure`` marks the moving artists
``animated`` (a full draw leaves them out), renders the rest once and keeps its pixels; each :meth:`refresh`
restores those pixels, paints only the moving artists and encodes the frame with fast PNG compression.
Call :meth:`invalidate` after changing anything else (axis limits, static data, labels): the next refresh
renders the background again.
"""

from __future__ import annotations

import io

from course.widgets.live_figure import LiveFigure

__all__ = ["BlitFigure"]


class BlitFigure(LiveFigure):
    """``BlitFigure(fig, moving)``: ``moving`` are the artists whose data change between frames."""

    def __init__(self, fig, moving):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        super().__init__(fig)
        FigureCanvasAgg(fig)  # pyplot's close() left a bare canvas; blitting needs Agg's pixel buffer
        self.moving = list(moving)
        for artist in self.moving:
            artist.set_animated(True)
        self._background = None

    def invalidate(self) -> None:
        """The still part changed: render it again at the next refresh."""
        self._background = None

    def png(self) -> bytes:
        from PIL import Image

        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.moving:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

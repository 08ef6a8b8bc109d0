"""The one piece every ``show_*`` visualizer shares: a figure drawn once, refreshed in place.

The figure's artists are created once; a slider callback updates their data (``set_data``,
``set_height``, ...) and calls :meth:`LiveFigure.refresh`, which renders the same figure to PNG and puts
the bytes into an ``ipywidgets.Image``. Only the image widget's value changes: no output is cleared or
re-displayed, so the update is one message to the browser. This works with the default inline backend (no
ipympl), in JupyterLab, on a hub and in a headless nbclient or nbgrader run alike (capturing outputs into an
``Output`` widget instead made headless execution stall now and then, waiting for a reply that never came).
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt


class LiveFigure:
    """Hold a figure and the ``Image`` widget (``.widget``) it is shown in."""

    def __init__(self, fig):
        import ipywidgets as widgets

        self.fig = fig
        self.widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        # Closing detaches the figure from pyplot, so the inline backend does not also show it at the end
        # of the cell; we still draw it ourselves on every refresh.
        plt.close(fig)

    def png(self) -> bytes:
        """The figure as PNG bytes, at the figure's own size and resolution."""
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def refresh(self) -> None:
        self.widget.value = self.png()

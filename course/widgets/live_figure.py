"""The one piece every ``show_*`` visualizer shares: a figure drawn once, refreshed in place.

The figure's artists are created once; a slider callback updates their data (``set_data``,
``set_height``, ...) and calls :meth:`LiveFigure.refresh`, which re-renders the same figure into an
``ipywidgets.Output``. This works with the default inline backend (no ipympl), in JupyterLab, on a hub
and in a headless nbclient run alike.
"""

from __future__ import annotations

import matplotlib.pyplot as plt


class LiveFigure:
    """Hold a figure and the ``Output`` widget it is shown in."""

    def __init__(self, fig):
        import ipywidgets as widgets

        self.fig = fig
        self.output = widgets.Output()
        # Closing detaches the figure from pyplot, so the inline backend does not show it a second time
        # at the end of the cell; we still draw and display it ourselves.
        plt.close(fig)

    def refresh(self) -> None:
        from IPython.display import clear_output, display

        with self.output:
            clear_output(wait=True)
            display(self.fig)

"""Interactive visualizers, one module each.

Every module pairs a pure ``compute_*`` function (arrays in, a small dataclass out, tested headless)
with a ``show_*`` function that builds the ipywidgets controls and one matplotlib figure, and only wires
the controls to ``compute_*`` and redraws artists in place.
"""

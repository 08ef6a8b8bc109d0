"""Run inside every grading kernel before student code (``IPKernelApp.exec_files``); not imported by the grader.

Right after each cell and before the next it puts back any attribute of ``builtins``, ``math``, ``numpy``, ``numpy.testing`` and the
``course`` helpers that an earlier cell replaced (``np.allclose = lambda *a, **k: True``), so the tests run
against the real functions, and shows one marker output the grader turns into an integrity flag.
"""


def _autograder_install_guard():
    import importlib

    from IPython.display import publish_display_data

    missing = object()
    # names ipykernel itself rebinds for every cell (stdin forwarding, the display hook)
    volatile = {"_", "__", "___", "input", "raw_input", "getpass", "get_ipython", "display", "exit", "quit"}
    watched = {}
    for name in ("builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "course", "course.checks"):
        try:
            module = importlib.import_module(name)
        except Exception:  # a module that cannot load is simply not watched
            continue
        watched[name] = (module, dict(vars(module)))

    def restore(*_args):
        changed = []
        for name, (module, saved) in watched.items():
            current = vars(module)
            for key, value in saved.items():
                if key in volatile:
                    continue
                if current.get(key, missing) is not value:
                    current[key] = value
                    changed.append(f"{name}.{key}")
        if changed:  # a display output, not a stream: nbgrader's output limit cannot cut it off
            text = "[autograder] restored tampered " + ", ".join(sorted(changed))
            publish_display_data({"text/plain": text, "application/x-autograder-guard+json": {"restored": sorted(changed)}})

    events = get_ipython().events  # noqa: F821 - IPython's global
    events.register("post_execute", restore)  # right after the student's cell: the kernel itself needs builtins
    events.register("pre_run_cell", restore)  # and again before every cell, tests included


_autograder_install_guard()
del _autograder_install_guard

"""Run inside every grading kernel before student code (``IPKernelApp.exec_files``); not imported by the grader.

Before every test cell the grader also calls :func:`reset` (``sys.modules["_autograder_guard"].reset``, through an
``execute_request``'s ``user_expressions``, which no input transformer or cell hook sees): it puts back the
shell's input transformers, AST transformers, event callbacks and display hooks as they were when the kernel
started, names that held the course's check modules or functions, and the watched modules' attributes; it
returns what it restored, which the grader shows as the guard's marker in that test cell.

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

    import sys
    import types

    shell = get_ipython()  # noqa: F821 - IPython's global
    events = shell.events
    events.register("post_execute", restore)  # right after the student's cell: the kernel itself needs builtins
    events.register("pre_run_cell", restore)  # and again before every cell, tests included

    lists = {
        "input_transformers_post": shell.input_transformers_post,
        "input_transformers_cleanup": shell.input_transformer_manager.cleanup_transforms,
        "line_transforms": shell.input_transformer_manager.line_transforms,
        "token_transformers": shell.input_transformer_manager.token_transformers,
        "ast_transformers": shell.ast_transformers,
    }
    saved_lists = {name: list(items) for name, items in lists.items()}
    saved_hooks = (shell.displayhook, sys.displayhook, shell.display_pub, shell.input_transformer_manager)
    check_objects = {}  # id -> (module or function) of course.checks, to know a name that held one
    bindings = {}  # user namespace name -> the check object it held

    def remember(*_args):
        if not check_objects and "course.checks" in watched:
            module, saved = watched["course.checks"]
            check_objects.update({id(v): v for v in [module, *saved.values()] if callable(v) or v is module})
        for name, value in list(shell.user_ns.items()):
            if id(value) in check_objects and check_objects[id(value)] is value and name not in bindings:
                bindings[name] = value

    events.register("post_execute", remember)
    saved_callbacks = {name: list(items) for name, items in events.callbacks.items()}

    def reset():
        changed = []
        if shell.input_transformer_manager is not saved_hooks[3]:
            shell.input_transformer_manager = saved_hooks[3]
            changed.append("shell.input_transformer_manager")
        for name, items in lists.items():
            if items != saved_lists[name]:
                items[:] = saved_lists[name]
                changed.append(f"shell.{name}")
        if shell.input_transformers_post is not lists["input_transformers_post"]:
            shell.input_transformers_post = lists["input_transformers_post"]
            changed.append("shell.input_transformers_post")
        if shell.ast_transformers is not lists["ast_transformers"]:
            shell.ast_transformers = lists["ast_transformers"]
            changed.append("shell.ast_transformers")
        if shell.events is not events:
            shell.events = events
            changed.append("shell.events")
        for name, items in events.callbacks.items():
            # the guard's own come back; a library's (matplotlib's inline flush) stay; the notebook's own go
            wanted = saved_callbacks.get(name, []) + [
                cb for cb in items if cb not in saved_callbacks.get(name, [])
                and getattr(cb, "__module__", None) not in (None, "__main__")]
            if items != wanted:
                items[:] = wanted
                changed.append(f"events.{name}")
        if (shell.displayhook, sys.displayhook, shell.display_pub) != saved_hooks[:3]:
            shell.displayhook, sys.displayhook, shell.display_pub = saved_hooks[:3]
            changed.append("displayhook")
        for name, value in bindings.items():
            if shell.user_ns.get(name, missing) is not value:
                shell.user_ns[name] = value
                changed.append(name)
        for module_name, (module, saved) in watched.items():
            current = vars(module)
            for key, value in saved.items():
                if key not in volatile and current.get(key, missing) is not value:
                    current[key] = value
                    changed.append(f"{module_name}.{key}")
        return sorted(set(changed))

    sys.modules["_autograder_guard"] = types.SimpleNamespace(reset=reset)


_autograder_install_guard()
del _autograder_install_guard

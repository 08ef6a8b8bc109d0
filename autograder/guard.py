"""Run inside every grading kernel before student code (``IPKernelApp.exec_files``); not imported by the grader.

It snapshots what the tests rely on when the kernel starts, and puts it back whenever the grader asks:

- the shell's input and AST transformers, event callbacks (a library's own, matplotlib's inline flush, stay),
  display hooks, the user namespace and its ``__builtins__``, and names that held the course's checks;
- the callables on the shell, the kernel, its session, the display hook and publisher, the kernel's handler
  tables, and on every class of IPython, ipykernel and jupyter_client (``ExecutionResult.success`` or
  ``run_cell_async`` patched on a class once made every failing test report success), and the shell's class;
- the attributes of ``builtins``, ``math``, numpy and the course's guarded and check modules (its
  ``nbgrader_config.py``, ``c.CourseDescription``), and the ``__code__``,
  ``__defaults__`` and ``__kwdefaults__`` of their functions (``check_close.__code__ = ...`` keeps identity);
- ``sys.settrace``, ``sys.setprofile``, ``sys.excepthook`` and the watched modules' ``sys.modules`` entries.

The grader talks to it only through ``user_expressions`` of silent requests (which no input transformer or
cell hook sees): before the first cell it calls ``arm(key)`` with a per-job random key, which the guard keeps
only inside an OpenSSL HMAC object (Python code cannot read the key back); before and after every test cell it
calls ``reset(nonce)``, which restores the snapshot and answers ``HMAC(nonce, restored)`` and what it restored,
one per line. An answer that is missing or does not verify (the guard replaced in ``sys.modules`` or silenced)
makes that test count 0; a reset after a test that restored anything means the test's own run tampered (a
function it called replaced a check), and it counts 0 too. Right after each cell a post_execute callback also
restores (the kernel itself needs ``builtins``) and tells the next reset. The guard's functions run in a private
namespace with a copy of the builtins: a student's global ``sorted`` or a patched ``builtins.sorted`` never
reaches them.

The parts that need no kernel (watching and restoring modules, objects and classes, identity, the signer) are
``_guard_*`` functions of their own, unit-tested on stand-ins (``tests/test_autograder/test_guard_parts.py``);
``_autograder_install_guard`` snapshots the shell and wires them to its events. In a kernel every one of them is
rebuilt in the private namespace and removed from the user namespace before the first cell.

What an in-process guard cannot stop: it shares the process with the student's code, so that code can reach
the real guard (``sys.modules``, ``gc``, the closures of these functions) and wrap the real ``reset`` (or the
shell's ``user_expressions``, which calls it) to undo its tampering just before it runs and redo it just
after; every answer then verifies. Doing so needs exactly
what the static net in ``autograder/integrity.py`` flags (``_autograder_guard``, ``sys.modules``,
``__closure__``/``cell_contents``, ``gc``, frames, ``globals()``, dynamic ``getattr``/``setattr``): an
instructor sees the flag. Running the tests in a second process would close it.
"""

# The guard's parts, each testable on its own (``tests/test_autograder/test_guard_parts.py`` imports this file,
# where no kernel runs the install at the bottom). In a kernel every ``_guard_*`` name is rebuilt in the guard's
# private namespace and removed from the user namespace, with the install function.
_guard_missing = object()
# names ipykernel itself rebinds for every cell (stdin forwarding, the display hook)
_guard_volatile = frozenset(
    {"_", "__", "___", "input", "raw_input", "getpass", "get_ipython", "display", "exit", "quit"}
)
_guard_plain = (int, float, complex, str, bytes, bool, type(None))
_guard_part_names = ("__code__", "__defaults__", "__kwdefaults__")


def _guard_same(a, b):
    """Identity, item by item for lists and tuples: never a student object's ``__eq__``."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(x is y for x, y in zip(a, b))
    return a is b


def _guard_function_parts(fn):
    return fn.__code__, fn.__defaults__, fn.__kwdefaults__


def _guard_watch(names):
    """(module name -> (module, a copy of its namespace), "module.name" -> (function, its parts)) for the
    modules of ``names`` that load; numpy's dispatchers count by the function they wrap."""
    import importlib
    import types

    watched, functions = {}, {}
    for name in dict.fromkeys(names):
        try:
            module = importlib.import_module(name)
        except Exception:  # a module that cannot load is simply not watched
            continue
        watched[name] = (module, dict(vars(module)))
    for module_name, (_module, saved) in watched.items():
        for key, value in saved.items():
            inner = value if isinstance(value, types.FunctionType) else getattr(value, "__wrapped__", None)
            if isinstance(inner, types.FunctionType):
                functions[f"{module_name}.{key}"] = (inner, _guard_function_parts(inner))
    return watched, functions


def _guard_restore_modules(watched, functions, modules):
    """Put back every watched module's ``sys.modules`` entry (``modules``), its names and its functions' parts;
    returns what was changed."""
    changed = []
    for name, (module, saved) in watched.items():
        if modules.get(name) is not module:
            modules[name] = module
            changed.append(f"sys.modules[{name!r}]")
        current = vars(module)
        for key, value in saved.items():
            if key not in _guard_volatile and current.get(key, _guard_missing) is not value:
                current[key] = value
                changed.append(f"{name}.{key}")
    for name, (fn, parts) in functions.items():
        now = _guard_function_parts(fn)
        if not _guard_same(now, parts):
            fn.__code__, fn.__defaults__, fn.__kwdefaults__ = parts
            changed += [f"{name}.{part}" for part, was, is_ in zip(_guard_part_names, parts, now) if was is not is_]
    return changed


def _guard_callables(namespace):
    descriptors = (classmethod, staticmethod, property)
    return {k: v for k, v in namespace.items() if callable(v) or isinstance(v, descriptors)}


def _guard_machinery(obj, with_traits=False):
    """(obj, its own callables, and for the shell and the kernel their non-data traits: the kernel, the display
    hook, the managers; the display hook's own traits change with every cell)."""
    traits = {
        k: v
        for k, v in getattr(obj, "_trait_values", {}).items()
        if with_traits and not isinstance(v, (*_guard_plain, list, dict, set, tuple))
    }
    own = {k: v for k, v in _guard_callables(vars(obj)).items() if k != "sys_excepthook"}  # IPython's, per run_code
    return obj, own, traits


def _guard_restore_object(label, obj, own, traits):
    """Put back an object's own callables and traits (:func:`_guard_machinery`); a new callable shadowing a
    method goes. Returns what was changed, as ``label.name``."""
    changed = []
    current = vars(obj)
    for key, value in own.items():
        if current.get(key, _guard_missing) is not value:
            current[key] = value
            changed.append(f"{label}.{key}")
    for key, value in list(current.items()):
        if key not in own and callable(value) and hasattr(type(obj), key):
            del current[key]
            changed.append(f"{label}.{key}")
    trait_values = getattr(obj, "_trait_values", {})
    for key, value in traits.items():
        if trait_values.get(key, _guard_missing) is not value:
            trait_values[key] = value
            changed.append(f"{label}.{key}")
    return changed


def _guard_classes(modules, packages):
    """class -> its callables, for every class defined in a loaded module of ``packages`` (``ExecutionResult.success``
    or ``Session.send`` patched on a class would change what every later test reports)."""
    classes = {}
    for module_name, module in list(modules.items()):
        if module_name.split(".")[0] in packages:
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == module_name:
                    classes[value] = _guard_callables(vars(value))
    return classes


def _guard_restore_classes(classes):
    """Put back each class's callables; a new callable shadowing a base class's goes. Returns what changed."""
    changed = []
    for cls, saved in classes.items():
        current = vars(cls)
        for key in set(current) | set(saved):
            value = current.get(key, _guard_missing)
            if key in saved and value is not saved[key]:
                setattr(cls, key, saved[key])
            elif key not in saved and _guard_callables({key: value}) and any(key in vars(c) for c in cls.__mro__[1:]):
                delattr(cls, key)  # a new callable or property shadowing a base class's
            else:
                continue
            changed.append(f"{cls.__name__}.{key}")
    return changed


def _guard_signer(new_hmac):
    """(arm, sign): ``arm(key_hex)`` keeps the grader's per-job key once (a second call cannot replace it), in the
    HMAC object ``new_hmac`` makes; ``sign(nonce, restored)`` answers the HMAC of the nonce and what was restored,
    then what was restored, one per line (str and bytes methods only: a patched ``json`` or ``hmac.HMAC`` cannot
    change it); unarmed, an empty first line."""
    signer = []

    def arm(key_hex):
        if signer:
            return "already armed"
        signer.append(new_hmac(bytes.fromhex(key_hex)))
        return "armed"

    def sign(nonce, restored):
        if not signer:
            return "\n".join(["", *restored])
        mac = signer[0].copy()
        mac.update("\n".join([nonce, *restored]).encode())
        return "\n".join([mac.hexdigest(), *restored])

    return arm, sign


def _autograder_install_guard(settings):
    """``settings``: the course's modules to watch beyond the standard ones (``watch``) and its test-helper module
    (``checks``), from its ``nbgrader_config.py`` (``autograder.description.Located.guard_settings``)."""
    import sys
    import threading
    import types

    missing = _guard_missing
    same = _guard_same
    checks_module = settings["checks"]
    watched, functions = _guard_watch(
        ["builtins", "math", "numpy", "numpy.testing", "numpy.linalg", *settings["watch"]]
    )
    sys_hooks = {
        "sys.settrace": (sys.gettrace, sys.settrace),
        "sys.setprofile": (sys.getprofile, sys.setprofile),
        "threading.settrace": (threading.gettrace, threading.settrace),
        "threading.setprofile": (threading.getprofile, threading.setprofile),
    }
    saved_sys_hooks = {name: get() for name, (get, _set) in sys_hooks.items()}

    shell = get_ipython()  # noqa: F821 - IPython's global
    kernel = shell.kernel
    events = shell.events
    pending = []  # what the post_execute callback restored since the last reset

    def restore_modules():
        return _guard_restore_modules(watched, functions, sys.modules)

    # ``%%capture`` runs its body as a nested cell, whose post_execute comes while the magic's own display hooks
    # are in place: inside a nested cell only the modules are restored, the shell once the outer cell is done.
    # Nesting is read from the stack (an outer cell's code still running under IPython's own runner), which a
    # cell cannot fake: its own post_execute comes after its code has returned.
    cell_code_runner = type(shell).run_ast_nodes.__code__

    def nested():
        frame = sys._getframe()
        while frame is not None and frame.f_code is not cell_code_runner:
            frame = frame.f_back
        return frame is not None

    def after_cell(*_args):  # right after every cell (the kernel itself needs builtins), before any later hook
        pending.extend(restore_modules() + ([] if nested() else restore_shell()))

    events.register("post_execute", after_cell)

    lists = {
        "input_transformers_post": shell.input_transformers_post,
        "input_transformers_cleanup": shell.input_transformer_manager.cleanup_transforms,
        "line_transforms": shell.input_transformer_manager.line_transforms,
        "token_transformers": shell.input_transformer_manager.token_transformers,
        "ast_transformers": shell.ast_transformers,
    }
    saved_lists = {name: list(items) for name, items in lists.items()}
    # sys.displayhook is the display trap's hook while a cell runs, and sys.excepthook the shell's own
    saved_hooks = (shell.displayhook, shell.display_pub, shell.input_transformer_manager, shell.display_trap.hook)
    saved_excepthooks = (sys.excepthook, shell.excepthook)  # the kernel's, and IPython's inside run_code
    saved_ns = (shell.user_ns, shell.user_ns.get("__builtins__", missing), type(shell))

    # every class of the kernel's machinery (IPython, ipykernel, jupyter_client)
    machinery_classes = _guard_classes(sys.modules, ("IPython", "ipykernel", "jupyter_client"))
    machinery = _guard_machinery

    watched_objects = {"shell": machinery(shell, True), "kernel": machinery(kernel, True)}
    watched_objects.update(
        {
            label: machinery(obj)
            for label, obj in {
                "kernel.session": getattr(kernel, "session", None),
                "shell.displayhook": shell.displayhook,
                "shell.display_pub": shell.display_pub,
                "shell.events": events,
                "shell.compile": shell.compile,
                "shell.display_formatter": shell.display_formatter,
                "shell.input_transformer_manager": shell.input_transformer_manager,
            }.items()
            if hasattr(obj, "__dict__")
        }
    )
    tables = {f"kernel.{name}": getattr(kernel, name, None) for name in ("shell_handlers", "control_handlers")}
    handler_tables = {label: (table, dict(table)) for label, table in tables.items() if isinstance(table, dict)}

    restore_object = _guard_restore_object

    def restore_classes():
        return _guard_restore_classes(machinery_classes)

    check_objects = {}  # id -> (module or function) of the checks module, to know a name that held one
    bindings = {}  # user namespace name -> the check object it held

    def remember(*_args):
        if not check_objects and checks_module in watched:
            module, saved = watched[checks_module]
            check_objects.update({id(v): v for v in [module, *saved.values()] if callable(v) or v is module})
        for name, value in list(shell.user_ns.items()):
            if id(value) in check_objects and check_objects[id(value)] is value and name not in bindings:
                bindings[name] = value

    events.register("post_execute", remember)
    saved_callbacks = {name: list(items) for name, items in events.callbacks.items()}

    def restore_shell():
        changed = []
        if type(shell) is not saved_ns[2]:
            shell.__class__ = saved_ns[2]
            changed.append("shell.__class__")
        for label, (obj, own, traits) in watched_objects.items():
            changed += restore_object(label, obj, own, traits)
        changed += restore_classes()
        for label, (table, saved) in handler_tables.items():
            if set(table) != set(saved) or any(table[k] is not v for k, v in saved.items()):
                table.clear()
                table.update(saved)
                changed.append(label)
        if shell.input_transformer_manager is not saved_hooks[2]:
            shell.input_transformer_manager = saved_hooks[2]
            changed.append("shell.input_transformer_manager")
        for name, items in lists.items():
            if not same(items, saved_lists[name]):
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
                cb
                for cb in items
                if not any(cb is saved for saved in saved_callbacks.get(name, []))
                and getattr(cb, "__module__", None) not in (None, "__main__")
            ]
            if not same(items, wanted):
                items[:] = wanted
                changed.append(f"events.{name}")
        if not same(
            (shell.displayhook, shell.display_pub, shell.display_trap.hook), saved_hooks[:2] + saved_hooks[3:]
        ):
            shell.displayhook, shell.display_pub, shell.display_trap.hook = saved_hooks[:2] + saved_hooks[3:]
            changed.append("displayhook")
        hook = sys.excepthook  # a bound method: the same function and object, not the same method object
        if not any(
            hook is h
            or (
                isinstance(hook, types.MethodType)
                and isinstance(h, types.MethodType)
                and hook.__func__ is h.__func__
                and hook.__self__ is h.__self__
            )
            for h in saved_excepthooks
        ):
            sys.excepthook = saved_excepthooks[0]
            changed.append("sys.excepthook")
        if shell.user_ns is not saved_ns[0]:
            shell.user_ns = saved_ns[0]
            changed.append("shell.user_ns")
        if saved_ns[1] is not missing and shell.user_ns.get("__builtins__", missing) is not saved_ns[1]:
            shell.user_ns["__builtins__"] = saved_ns[1]
            changed.append("__builtins__")
        for name, value in bindings.items():
            if shell.user_ns.get(name, missing) is not value:
                shell.user_ns[name] = value
                changed.append(name)
        for name, (get, set_) in sys_hooks.items():
            if get() is not saved_sys_hooks[name]:
                set_(saved_sys_hooks[name])
                changed.append(name)
        return changed

    try:  # OpenSSL's HMAC object: its methods are C (``hmac.HMAC``'s Python methods could be patched) and
        from _hashlib import hmac_new  # it keeps the key out of reach of Python code

        def new_hmac(key):
            return hmac_new(key, digestmod="sha256")
    except ImportError:
        import hmac

        def new_hmac(key):
            return hmac.new(key, digestmod="sha256")

    arm, sign = _guard_signer(new_hmac)

    def reset(nonce):
        """Restore the snapshot; answer the HMAC of the nonce and what was restored, then what was restored,
        one per line (str and bytes methods only: a patched ``json`` or ``hmac.HMAC`` cannot change it)."""
        changed = restore_modules() + restore_shell() + pending  # builtins first: the shell's checks use them
        pending.clear()
        return sign(nonce, sorted(set(changed)))

    sys.modules["_autograder_guard"] = types.SimpleNamespace(arm=arm, reset=reset)


# The kernel's copy of this file has the course's settings on this line (``autograder.sandbox.guard_text``).
_autograder_settings = {"watch": [], "checks": ""}
# ``exec_files`` runs this file in the user namespace; the guard's functions get a private one instead, with
# a copy of the builtins, so a student's global ``sorted = ...`` or ``builtins.sorted = ...`` never reaches them.
# Imported as a module (the parts' tests), no kernel is here and nothing is installed.
if "get_ipython" in globals():
    _autograder_private = {
        "__builtins__": dict(vars(__import__("builtins"))),
        "__name__": "_autograder_guard",
        "get_ipython": get_ipython,  # noqa: F821 - IPython's global
    }
    for _autograder_name in [n for n in globals() if n.startswith("_guard_") or n == "_autograder_install_guard"]:
        _autograder_value = globals().pop(_autograder_name)
        if isinstance(_autograder_value, __import__("types").FunctionType):
            _autograder_value = __import__("types").FunctionType(
                _autograder_value.__code__, _autograder_private, _autograder_name, _autograder_value.__defaults__
            )
        _autograder_private[_autograder_name] = _autograder_value
    _autograder_private["_autograder_install_guard"](_autograder_settings)
    del _autograder_private, _autograder_name, _autograder_value, _autograder_settings

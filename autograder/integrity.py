"""Integrity flags: what the submitted notebook changed that it must not, and what its code tries to do.

Static checks compare the submission with the released notebook (locked cells, points, deleted cells) and
read the student's own code cells through their syntax trees only (:func:`ast_flags`: calls, attribute access,
names read, imports and definitions, never comments, docstrings or messages): files, network, processes, the
kernel's machinery, rebinding, code built or run at run time, frame and closure introspection, magics and shell
escapes, imports outside :data:`ALLOWED_IMPORTS`; runtime checks read the autograded notebook's outputs
(timeouts, dead kernels, floods, memory errors, the kernel guard's "restored tampered" marker, and the test
cells the grader refused to count because the guard did not vouch for them). Flags never change a score:
nbgrader restores locked cells from the gradebook, the kernel guard undoes monkeypatches and the grader zeroes
the tests it could not trust, the sandbox blocks files and network; the flags tell the instructor to look.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Sequence

from .judge import JUDGE_FAULT, MISSING
from .nbcells import cells_by_grade_id, grade_id, is_student_code, meta
from .results import Flag

TRUNCATED = "... Output truncated ..."  # what nbgrader's LimitOutput (and the worker's flood cut) leave behind
GUARD_MIME = "application/x-autograder-guard+json"  # the kernel guard's marker (autograder/guard.py)
RESULT_MIME = "application/x-autograder-dropped-result+json"  # autograder.execute.ErrorsDecide's marker
UNVERIFIED = "GuardUnverified"  # autograder.execute: the kernel's guard gave no verifiable answer
TAMPERED = "TamperedDuringTest"  # autograder.execute: a test's own run changed what the guard watches
_PATCH_ROOTS = {"np", "numpy", "builtins", "__builtins__", "math", "sys", "numpy_testing"}  # and the course's


def _patched_attributes(code: str, course_names: Sequence[str] = ()) -> list[str]:
    """``np.allclose = ...``-style assignments to library attributes, found with the AST."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            base = target
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if (
                target is not base
                and isinstance(base, ast.Name)
                and (base.id in _PATCH_ROOTS or base.id in course_names)
            ):
                found.append(ast.unparse(target))
    return found


def _shadowed_checks(code: str, check_names: set[str]) -> list[str]:
    """Top-level names the tests import from the course's checks module that the student's code rebinds."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in check_names:
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id in check_names]
    return names


# The AST net: code a student of a numeric course never needs, and which reaching past the tests would need.
# Each kind is one flag; a flag never changes a score, it tells the instructor where to look. A course allows
# more imports, and its helper packages, in its nbgrader_config.py (autograder.description).
ALLOWED_IMPORTS = frozenset(
    {
        "__future__",
        "numpy",
        "math",
        "cmath",
        "random",
        "itertools",
        "functools",
        "collections",
        "statistics",
        "typing",
        "dataclasses",
        "copy",
        "time",
        "operator",
        "heapq",
        "bisect",
        "numbers",
        "fractions",
        "decimal",
        "enum",
        "abc",
        "string",
        "textwrap",
        "re",
        "warnings",
        "pprint",
        "datetime",
        "contextlib",
        "array",
        "matplotlib",
        "IPython.display",
    }
)
_DYNAMIC_NAMES = {"eval", "exec", "compile", "__import__", "globals", "vars", "locals"}
_ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr"}
_INTROSPECTION_ATTRS = {
    "_getframe",
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_code",
    "tb_frame",
    "gi_frame",
    "cr_frame",
    "__globals__",
    "__closure__",
    "cell_contents",
    "__code__",
    "__dict__",
    "__subclasses__",
    "__mro__",
    "__bases__",
    "__module__",
}
_INTROSPECTION_MODULES = {"inspect", "gc", "ctypes"}
_SERIALIZING_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
_MAGIC_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}

# What each kind of code flag is made of. Every hit is a node of the syntax tree (a call, an attribute, a name
# read, an import, a definition), its dotted name resolved through the notebook's imports (``from os import
# _exit as leave`` is ``os._exit``); comments, docstrings, messages and other strings are never read, so
# "np.arange is half-open" or ``ValueError(f"... {x.__class__.__name__}")`` is nobody's flag.
_NETWORK_MODULES = {
    "socket",
    "urllib",
    "urllib3",
    "requests",
    "http",
    "httpx",
    "ftplib",
    "smtplib",
    "aiohttp",
    "telnetlib",
    "poplib",
    "imaplib",
    "xmlrpc",
    "websocket",
    "websockets",
}
_FILE_MODULES = {"glob", "pathlib", "shutil", "tempfile"}
_FILE_CALLS = {
    "open",
    "io.open",
    "io.FileIO",
    "builtins.open",
    "os.open",
    "os.fdopen",
    "codecs.open",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.chdir",
    "os.remove",
    "os.unlink",
    "os.rename",
    "os.replace",
    "os.mkdir",
    "os.makedirs",
    "os.rmdir",
    "os.stat",
    "os.lstat",
    "os.readlink",
    "os.path.exists",
    "os.path.isfile",
    "os.path.isdir",
    "os.path.islink",
    "os.path.getsize",
    "numpy.load",
    "numpy.loadtxt",
    "numpy.genfromtxt",
    "numpy.fromfile",
    "numpy.memmap",
    "tensorflow.io.read_file",
    "Path",
    "PurePath",
}
_FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "iterdir", "rglob"}  # pathlib's, any base
_PROCESS_MODULES = {"subprocess", "signal", "pty", "multiprocessing"}
_PROCESS_CALLS = {
    "sys.exit",
    "os._exit",
    "os.kill",
    "os.killpg",
    "os.fork",
    "os.forkpty",
    "os.system",
    "os.popen",
    "os.abort",
    "exit",
    "quit",
}
_PROCESS_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn")
_ENV_READS = {"os.getenv", "os.getenvb", "os.environ.get", "os.environ.setdefault", "os.environ.pop"}
_KERNEL_ATTRS = {"displayhook", "display_pub", "history_manager", "InteractiveShell"}
_KERNEL_NAMES = {"In", "_ih", "_oh", "InteractiveShell"}
_EVENT_ATTRS = {"register", "unregister", "callbacks"}
_GUARD = "_autograder_guard"
_COMPARISON_DUNDERS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__bool__",
    "__instancecheck__",
    "__subclasscheck__",
    "__array_ufunc__",
    "__array_function__",
}
_CODE_FLAGS = {  # flag -> what it means
    "grading_env": "reads nbgrader's environment to behave differently when graded",
    "file_access": "reads or lists files",
    "network": "opens network connections",
    "process_control": "exits, kills or starts processes",
    "kernel_tampering": "reaches into the IPython kernel that runs the tests (input transformers, event hooks, "
    "history)",
    "monkeypatch": "rebinds library, builtin or comparison behaviour",
    "dynamic_code": "builds or runs code or names at run time (eval/exec/compile, computed getattr/setattr, "
    "globals()/vars()/locals(), pickle/marshal)",
    "introspection": "reaches into frames, closures, code objects or the object graph (what replacing a "
    "check or the kernel's guard needs)",
    "magic": "runs IPython magics or shell commands",
    "unusual_import": "imports modules this course never needs",
}


def _allowed(module: str, allowed: Iterable[str] = ALLOWED_IMPORTS) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


@functools.lru_cache(maxsize=4096)  # the release's cells and a class's shared cells are read once per batch
def _cell_tree(source: str):
    """A cell's AST with IPython's syntax (``%magic``, ``!cmd``, ``x?``) turned into the calls it makes, each
    node knowing its parent (``_up``); None for a cell that does not parse."""
    try:  # IPython's transformer only where plain Python does not parse: it costs more than the parse itself
        try:
            tree = ast.parse(source) if not any(mark in source for mark in "%!?") else None
        except SyntaxError:  # an indented cell, or syntax only IPython knows
            tree = None
        tree = tree or ast.parse(_transformer().transform_cell(source))
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child._up = node
        return tree
    except (Exception, RecursionError):  # a syntax error, or input deep or odd enough to choke the parser
        return None


def _imports(trees, course_names: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    """Local name -> the dotted name it was imported as, over every cell (``np`` -> ``numpy``); the course's own
    module names stand for themselves until an import says otherwise."""
    aliases = {"np": "numpy", "tf": "tensorflow", "pd": "pandas", **{n: n for n in course_names}}  # before any import
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return tuple(sorted(aliases.items()))


def _dotted(node, aliases: dict) -> str | None:
    """``os.path.exists`` for the node ``os.path.exists`` (its first name resolved through the imports)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _module_hits(module: str, found: dict[str, set[str]]) -> None:
    top = module.split(".")[0]
    if top in _INTROSPECTION_MODULES:
        found["introspection"].add(f"import {module}")
    elif top in _SERIALIZING_MODULES:
        found["dynamic_code"].add(f"import {module}")
    elif not _allowed(module):
        found["unusual_import"].add(module)
    for flag, modules in (
        ("network", _NETWORK_MODULES),
        ("file_access", _FILE_MODULES),
        ("process_control", _PROCESS_MODULES),
    ):
        if top in modules:
            found[flag].add(f"import {module}")
    if top == "builtins" or top == "importlib":
        found["monkeypatch"].add(f"import {module}")
    if _GUARD in module:
        found["kernel_tampering"].add(f"import {module}")


def _string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _env_hits(node, name: str, found) -> None:
    """``os.environ`` read whole, or with a key that names nbgrader or is computed."""
    up = getattr(node, "_up", None)
    key = None
    if isinstance(up, ast.Subscript) and up.value is node:
        key = up.slice
    elif (
        isinstance(up, ast.Attribute)
        and isinstance(getattr(up, "_up", None), ast.Call)
        and f"{name}.{up.attr}" in _ENV_READS
    ):
        call = up._up
        key = call.args[0] if call.args else None
    elif isinstance(up, ast.Attribute):
        return  # os.environ.<method> handled above, or an attribute no read needs
    text = _string(key) if key is not None else None
    if text is None or "NBGRADER" in text.upper():
        found["grading_env"].add(f"{name}[{text!r}]" if text else f"{name} (read whole or with a computed key)")


def _call_hits(node: ast.Call, aliases: dict, found) -> None:
    func = node.func
    name = _dotted(func, aliases)
    if (
        name in _FILE_CALLS
        or (name and name.split(".")[0] in _FILE_MODULES)
        or (name and name.startswith("pandas.read_"))
        or (isinstance(func, ast.Attribute) and func.attr in _FILE_METHODS)
    ):
        found["file_access"].add(name or func.attr)
    if name in _PROCESS_CALLS or (name and name.startswith(_PROCESS_PREFIXES)):
        found["process_control"].add(name)
    if name in ("os.getenv", "os.getenvb"):
        text = _string(node.args[0]) if node.args else None
        if text is None or "NBGRADER" in text.upper():
            found["grading_env"].add(f"{name}({text!r})")
    if name in ("importlib.import_module", "__import__") and node.args:
        text = _string(node.args[0]) or ""
        if _GUARD in text:
            found["kernel_tampering"].add(f"{name}({text!r})")
    if isinstance(func, ast.Name) and func.id in _ATTRIBUTE_CALLS and len(node.args) >= 2:
        attr = node.args[1]
        if _string(attr) is None:
            found["dynamic_code"].add(f"{func.id}(..., {ast.unparse(attr)})")
        elif attr.value in _INTROSPECTION_ATTRS:
            found["introspection"].add(attr.value)
        if func.id != "getattr":  # rebinding an attribute of a module or a class
            target = node.args[0]
            root = _dotted(target, aliases)
            if (root and root.split(".")[0] in set(dict(aliases).values()) | _PATCH_ROOTS) or (
                isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "type"
            ):
                found["monkeypatch"].add(f"{func.id}({ast.unparse(target)}, ...)")
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _MAGIC_CALLS
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    ):
        first = node.args[0] if node.args else None
        what = first.value if isinstance(first, ast.Constant) else func.attr
        found["magic"].add(("!" if func.attr in ("system", "getoutput") else "%") + str(what))
    for keyword in node.keywords:
        if keyword.arg == "allow_pickle":
            found["dynamic_code"].add("allow_pickle")


def _is_magic_call(node: ast.Name) -> bool:
    """``get_ipython()`` as IPython's transformer writes a ``%magic`` or ``!cmd`` line (the magic flag's)."""
    call = getattr(node, "_up", None)
    attr = getattr(call, "_up", None)
    return isinstance(call, ast.Call) and isinstance(attr, ast.Attribute) and attr.attr in _MAGIC_CALLS


def _node_hits(node, aliases: dict, found: dict[str, set[str]]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            _module_hits(alias.name, found)
    elif isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        _module_hits(module, found)
        if node.module in ("os", "sys"):  # from os import _exit: the names it brings are what counts
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in _PROCESS_CALLS:
                    found["process_control"].add(full)
                elif full == "os.environ":
                    found["grading_env"].add("from os import environ")
                elif full == "sys.modules":
                    found["monkeypatch"].add(full)
    elif isinstance(node, ast.Name):
        if node.id in _DYNAMIC_NAMES:
            found["dynamic_code"].add(node.id)
        if isinstance(node.ctx, ast.Load):
            if node.id in _KERNEL_NAMES or node.id == _GUARD:
                found["kernel_tampering"].add(node.id)
            if node.id == "__builtins__":
                found["monkeypatch"].add(node.id)
            if node.id == "__import__" or (node.id == "get_ipython" and not _is_magic_call(node)):
                found["monkeypatch"].add(node.id)
            if node.id == "SystemExit" and isinstance(getattr(node, "_up", None), (ast.Raise, ast.Call)):
                found["process_control"].add("raise SystemExit")
    elif isinstance(node, ast.Attribute):
        if node.attr in _INTROSPECTION_ATTRS:
            found["introspection"].add(node.attr)
        name = _dotted(node, aliases)
        if (
            node.attr.startswith("input_transformer")
            or node.attr in _KERNEL_ATTRS
            or _GUARD in node.attr
            or (node.attr in _EVENT_ATTRS and isinstance(node.value, ast.Attribute) and node.value.attr == "events")
        ):
            found["kernel_tampering"].add(f"events.{node.attr}" if node.attr in _EVENT_ATTRS else node.attr)
        if name == "sys.modules":
            found["monkeypatch"].add(name)
            up = getattr(node, "_up", None)
            if isinstance(up, ast.Subscript) and _GUARD in (_string(up.slice) or ""):
                found["kernel_tampering"].add(f"sys.modules[{_GUARD!r}]")
        elif name == "os.environ":
            _env_hits(node, name, found)
        elif name and name.split(".")[0] in ("builtins", "importlib"):
            found["monkeypatch"].add(name)
        if isinstance(node.ctx, (ast.Store, ast.Del)) and (
            node.attr == "__class__"
            or (
                isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "type"
            )
        ):
            found["monkeypatch"].add(ast.unparse(node))
    elif isinstance(node, ast.Call):
        _call_hits(node, aliases, found)
    elif (
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name in _COMPARISON_DUNDERS
        and isinstance(getattr(node, "_up", None), ast.ClassDef)
    ):
        found["monkeypatch"].add(f"def {node.name}")


@functools.lru_cache(maxsize=4096)
def _cell_hits(source: str, aliases: tuple) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {flag: set() for flag in _CODE_FLAGS}
    tree = _cell_tree(source)
    names = dict(aliases)
    try:
        for node in ast.walk(tree) if tree is not None else ():
            _node_hits(node, names, found)
    except RecursionError:
        pass
    return {flag: frozenset(hits) for flag, hits in found.items()}


def _code_hits(cells: list[str], aliases: tuple) -> dict[str, set[str]]:
    found = {flag: set() for flag in _CODE_FLAGS}
    for source in cells:
        for flag, hits in _cell_hits(source, aliases).items():
            found[flag] |= hits
    return found


def ast_flags(
    cells: list[str], released_cells: list[str] = (), course_names: Sequence[str] = (), allowed: Iterable[str] = ()
) -> list[Flag]:
    """Every code flag, read from each student cell's syntax tree (one that does not parse is skipped: it cannot
    run either). What the released notebook's own code does (its setup cell's ``import os``) is never the
    student's flag; names resolve through the imports of both. ``course_names``, ``allowed``: :func:`code_flags`."""
    trees = [t for t in map(_cell_tree, [*released_cells, *cells]) if t is not None]
    aliases = _imports(trees, course_names)
    found, given = _code_hits(cells, aliases), _code_hits(list(released_cells), aliases)
    found = {flag: hits - given[flag] for flag, hits in found.items()}
    allowed = tuple(allowed)  # the course's: the syntax pass knows the standard ones only
    found["unusual_import"] = {m for m in found["unusual_import"] if not _allowed(m, allowed)}
    return [
        Flag(flag, f"student code {meaning}: {', '.join(sorted(found[flag])[:5])}")
        for flag, meaning in _CODE_FLAGS.items()
        if found[flag]
    ]


def locked_cell_flags(submitted, released) -> list[Flag]:
    """Graded or locked cells of the release that the submission deleted, edited, retyped or re-pointed."""
    flags = []
    submitted_cells = cells_by_grade_id(submitted)
    for gid, original in cells_by_grade_id(released).items():
        expected = meta(original)
        if not (expected.get("locked") or expected.get("grade")):
            continue
        cell = submitted_cells.get(gid)
        if cell is None:
            flags.append(Flag("deleted_cell", f"{gid} was deleted (restored from the gradebook)"))
            continue
        if expected.get("locked") and cell.source.strip() != original.source.strip():
            flags.append(Flag("edited_locked_cell", f"{gid} was edited (restored from the gradebook)"))
        if cell.cell_type != original.cell_type:
            flags.append(Flag("changed_cell_type", f"{gid} became a {cell.cell_type} cell (restored)"))
        if expected.get("grade") and meta(cell).get("points") != expected.get("points"):
            flags.append(
                Flag(
                    "edited_points",
                    f"{gid} points changed from {expected.get('points')} to "
                    f"{meta(cell).get('points')} (restored from the gradebook)",
                )
            )
    return flags


def code_flags(
    student_code: str | list[str],
    check_names: set[str],
    released_cells: list[str] = (),
    course_names: Sequence[str] = (),
    allowed: Iterable[str] = (),
) -> list[Flag]:
    """Patched library attributes, shadowed test helpers, and every flag of the syntax tree (:func:`ast_flags`)
    over the student's code (one string, or one per cell). Comments, docstrings and messages are never read.
    ``course_names`` are the local names of the course's modules (``course``, ``checks``), ``allowed`` the
    imports it allows beyond :data:`ALLOWED_IMPORTS` (``autograder.description.Located``)."""
    cells = [student_code] if isinstance(student_code, str) else list(student_code)
    flags = []
    code = "\n".join(_strip_magics(c) for c in cells)
    patched = _patched_attributes(code, course_names)
    if patched:
        flags.append(Flag("monkeypatch", f"student code assigns library attributes: {', '.join(patched[:5])}"))
    shadowed = _shadowed_checks(code, check_names)
    if shadowed:
        flags.append(Flag("shadows_checks", f"student code redefines test helpers: {', '.join(shadowed)}"))
    return flags + ast_flags(cells, released_cells, course_names, allowed)


def static_flags(
    submitted, released, check_names: set[str], course_names: Sequence[str] = (), allowed: Iterable[str] = ()
) -> list[Flag]:
    """Flags from the submitted notebook alone, compared with the released one (arguments: :func:`code_flags`)."""
    student_code = [c.source for c in submitted.cells if is_student_code(c)]
    released_code = [c.source for c in released.cells if c.get("cell_type") == "code"]
    return _dedupe(
        locked_cell_flags(submitted, released)
        + code_flags(student_code, check_names, released_code, course_names, allowed)
    )


def _strip_magics(code: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())


def runtime_flags(graded_nb, flood_lines: int) -> list[Flag]:
    """Flags from what happened when the notebook ran (read from the autograded notebook's outputs)."""
    flags = []
    for number, cell in enumerate(graded_nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        where = grade_id(cell) or f"cell {number}"
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                if out.ename == "CellTimeoutError":
                    flags.append(Flag("timeout", f"{where} ran past the time limit and was interrupted"))
                elif out.ename == "DeadKernelError" and "earlier cell" not in out.evalue:
                    flags.append(Flag("kernel_died", f"{where}: {out.evalue}"))
                elif out.ename == "NotebookDeadline":
                    if not any(f.flag == "notebook_deadline" for f in flags):  # the first cell not run says it
                        flags.append(
                            Flag(
                                "notebook_deadline",
                                f"the job ran past its deadline; {where} and every later cell were not run",
                            )
                        )
                elif out.ename == "MemoryError":
                    flags.append(Flag("memory_limit", f"{where} ran out of memory (the kernel's limit)"))
                elif out.ename == "SystemExit":
                    flags.append(Flag("system_exit", f"{where} called sys.exit()"))
                elif out.ename == UNVERIFIED:
                    flags.append(Flag("kernel_tampering", f"{where} scored 0: {out.evalue}"))
                elif out.ename == TAMPERED:
                    flags.append(Flag("tampered_during_test", f"{where} scored 0: {out.evalue}"))
                elif out.ename in (MISSING, JUDGE_FAULT):  # the grader's words (autograder.judge), no student's
                    flags.append(Flag("unjudged_test", f"{where} scored 0: {out.evalue}"))
            elif out.output_type == "display_data" and RESULT_MIME in out.get("data", {}):
                flags.append(
                    Flag(
                        "fake_result",
                        f"{where} failed but showed a result (nbgrader's partial credit): ignored, the test scores 0",
                    )
                )
            elif out.output_type == "display_data" and GUARD_MIME in out.get("data", {}):
                names = ", ".join(out.data[GUARD_MIME].get("restored", []))
                flags.append(Flag("tampered_checks", f"after or before {where}: restored {names}"))
            elif out.output_type == "stream":
                if TRUNCATED in out.text:
                    flags.append(
                        Flag(
                            "output_flood",
                            f"{where} printed more than {flood_lines} lines or displayed too much (truncated)",
                        )
                    )
    return _dedupe(flags)


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen, unique = set(), []
    for f in flags:
        if (f.flag, f.detail) not in seen:
            seen.add((f.flag, f.detail))
            unique.append(f)
    return unique

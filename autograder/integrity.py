"""Integrity flags: what the submitted notebook changed that it must not, and what its code tries to do.

Static checks compare the submission with the released notebook (locked cells, points, deleted cells) and
read the student's own code cells, with regexes and with an AST net (:func:`ast_flags`: code built or run at
run time, frame and closure introspection, magics and shell escapes, imports outside :data:`ALLOWED_IMPORTS`:
what reaching past the kernel's guard would need); runtime checks read the autograded notebook's outputs
(timeouts, dead kernels, floods, memory errors, the kernel guard's "restored tampered" marker, and the test
cells the grader refused to count because the guard did not vouch for them). Flags never change a score:
nbgrader restores locked cells from the gradebook, the kernel guard undoes monkeypatches and the grader zeroes
the tests it could not trust, the sandbox blocks files and network; the flags tell the instructor to look.
"""

from __future__ import annotations

import ast
import functools
import re

from .nbcells import cells_by_grade_id, grade_id, is_student_code, meta
from .results import Flag

# (flag, regex over the student's code, what it means). One flag per kind per submission.
_SUSPICIOUS = [
    ("grading_env", r"NBGRADER_EXECUTION|NBGRADER_", "reads nbgrader's environment to behave differently when graded"),
    ("file_access", r"\bopen\s*\(|\bos\.(listdir|scandir|walk|chdir)\b|\bglob\b|\bpathlib\b|\bPath\s*\(|"
                    r"\bshutil\b|gradebook|\bsource/|\.\./|\bsubmitted\b|\bautograded\b|read_text|io\.open",
     "reads or lists files"),
    ("network", r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b|\bhttpx\b|\bftplib\b|\bsmtplib\b",
     "opens network connections"),
    ("process_control", r"\bsys\.exit\b|\bos\._exit\b|\bos\.kill\b|\bos\.fork\b|\bsubprocess\b|\bos\.system\b|"
                        r"\bexit\s*\(|\bquit\s*\(|\bsignal\.", "exits, kills or starts processes"),
    ("kernel_tampering", r"input_transformers|\bevents\s*\.\s*(register|unregister|callbacks)\b|\bInteractiveShell\b|"
                         r"\b(pre|post)_(run_cell|execute)\b|\bdisplayhook\b|\bdisplay_pub\b|\bIn\s*[\[)]|\b_ih\b|"
                         r"\b_oh\b|\bhistory_manager\b|_autograder_guard",
     "reaches into the IPython kernel that runs the tests (input transformers, event hooks, history)"),
    ("monkeypatch", r"\bbuiltins\b|__builtins__|\bsetattr\s*\(|\bsys\.modules\b|\bget_ipython\b|__import__|"
                    r"\bimportlib\b|__eq__|__class__", "rebinds library, builtin or comparison behaviour"),
]
TRUNCATED = "... Output truncated ..."  # what nbgrader's LimitOutput (and the worker's flood cut) leave behind
GUARD_MIME = "application/x-autograder-guard+json"  # the kernel guard's marker (autograder/guard.py)
RESULT_MIME = "application/x-autograder-dropped-result+json"  # autograder.execute.ErrorsDecide's marker
UNVERIFIED = "GuardUnverified"  # autograder.execute: the kernel's guard gave no verifiable answer
TAMPERED = "TamperedDuringTest"  # autograder.execute: a test's own run changed what the guard watches
_PATCH_ROOTS = {"np", "numpy", "course", "checks", "builtins", "__builtins__", "math", "sys", "numpy_testing"}


def _patched_attributes(code: str) -> list[str]:
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
            if target is not base and isinstance(base, ast.Name) and base.id in _PATCH_ROOTS:
                found.append(ast.unparse(target))
    return found


def _shadowed_checks(code: str, check_names: set[str]) -> list[str]:
    """Top-level names the tests import from ``course.checks`` that the student's code rebinds."""
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


# The AST net: code a student of this course never needs, and which reaching past the tests would need.
# Each kind is one flag; a flag never changes a score, it tells the instructor where to look.
ALLOWED_IMPORTS = frozenset({
    "__future__", "numpy", "math", "cmath", "random", "itertools", "functools", "collections", "statistics",
    "typing", "dataclasses", "copy", "time", "operator", "heapq", "bisect", "numbers", "fractions", "decimal",
    "enum", "abc", "string", "textwrap", "re", "warnings", "pprint", "datetime", "contextlib", "array",
    "tensorflow", "keras", "matplotlib", "sklearn", "scipy", "pandas", "tqdm", "ipywidgets", "IPython.display",
    "course",
})
_DYNAMIC_NAMES = {"eval", "exec", "compile", "__import__", "globals", "vars", "locals"}
_ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr"}
_INTROSPECTION_ATTRS = {
    "_getframe", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "gi_frame", "cr_frame",
    "__globals__", "__closure__", "cell_contents", "__code__", "__dict__", "__subclasses__", "__mro__", "__bases__",
    "__module__",
}
_INTROSPECTION_MODULES = {"inspect", "gc", "ctypes"}
_SERIALIZING_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
_MAGIC_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
_AST_FLAGS = {  # flag -> what it means
    "dynamic_code": "builds or runs code or names at run time (eval/exec/compile, computed getattr/setattr, "
                    "globals()/vars()/locals(), pickle/marshal)",
    "introspection": "reaches into frames, closures, code objects or the object graph (what replacing a "
                     "check or the kernel's guard needs)",
    "magic": "runs IPython magics or shell commands",
    "unusual_import": "imports modules this course never needs",
}


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED_IMPORTS)


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _cell_tree(source: str):
    """A cell's AST with IPython's syntax (``%magic``, ``!cmd``, ``x?``) turned into the calls it makes."""
    try:
        return ast.parse(_transformer().transform_cell(source))
    except Exception:  # a syntax error, or input deep or odd enough to choke the parser: the regexes still read it
        return None


def _module_hits(module: str, found: dict[str, set[str]]) -> None:
    top = module.split(".")[0]
    if top in _INTROSPECTION_MODULES:
        found["introspection"].add(f"import {module}")
    elif top in _SERIALIZING_MODULES:
        found["dynamic_code"].add(f"import {module}")
    elif not _allowed(module):
        found["unusual_import"].add(module)


def _node_hits(node, found: dict[str, set[str]]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            _module_hits(alias.name, found)
    elif isinstance(node, ast.ImportFrom):
        _module_hits("." * node.level + (node.module or ""), found)
    elif isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMES:
        found["dynamic_code"].add(node.id)
    elif isinstance(node, ast.Attribute) and node.attr in _INTROSPECTION_ATTRS:
        found["introspection"].add(node.attr)
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _ATTRIBUTE_CALLS and len(node.args) >= 2:
            name = node.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                found["dynamic_code"].add(f"{func.id}(..., {ast.unparse(name)})")
            elif name.value in _INTROSPECTION_ATTRS:
                found["introspection"].add(name.value)
        if isinstance(func, ast.Attribute) and func.attr in _MAGIC_CALLS and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython":
            first = node.args[0] if node.args else None
            what = first.value if isinstance(first, ast.Constant) else func.attr
            found["magic"].add(("!" if func.attr in ("system", "getoutput") else "%") + str(what))
        for keyword in node.keywords:
            if keyword.arg == "allow_pickle":
                found["dynamic_code"].add("allow_pickle")


def _ast_hits(cells: list[str]) -> dict[str, set[str]]:
    found = {flag: set() for flag in _AST_FLAGS}
    for source in cells:
        for flag, hits in _cell_hits(source).items():
            found[flag] |= hits
    return found


@functools.lru_cache(maxsize=4096)  # the release's cells and a class's shared cells are read once per batch
def _cell_hits(source: str) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {flag: set() for flag in _AST_FLAGS}
    tree = _cell_tree(source)
    try:
        for node in ast.walk(tree) if tree is not None else ():
            _node_hits(node, found)
    except RecursionError:
        pass
    return {flag: frozenset(hits) for flag, hits in found.items()}


def ast_flags(cells: list[str], released_cells: list[str] = ()) -> list[Flag]:
    """The AST net over each student cell (one that does not parse is skipped: the regex flags still read it).
    What the released notebook's own code does (its setup cell's ``import os``) is never the student's flag."""
    found, given = _ast_hits(cells), _ast_hits(list(released_cells))
    found = {flag: hits - given[flag] for flag, hits in found.items()}
    return [Flag(flag, f"student code {meaning}: {', '.join(sorted(found[flag])[:5])}")
            for flag, meaning in _AST_FLAGS.items() if found[flag]]

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
            flags.append(Flag("edited_points", f"{gid} points changed from {expected.get('points')} to "
                                               f"{meta(cell).get('points')} (restored from the gradebook)"))
    return flags


def code_flags(student_code: str | list[str], check_names: set[str], released_cells: list[str] = ()) -> list[Flag]:
    """Suspicious patterns, patched library attributes, shadowed test helpers, and the AST net
    (:func:`ast_flags`) over the student's code (one string, or one per cell)."""
    cells = [student_code] if isinstance(student_code, str) else list(student_code)
    joined = "\n".join(cells)
    flags = []
    for flag, pattern, meaning in _SUSPICIOUS:
        hits = sorted({m.group(0).strip() for m in re.finditer(pattern, joined)})
        if hits:
            flags.append(Flag(flag, f"student code {meaning}: {', '.join(hits[:5])}"))
    code = "\n".join(_strip_magics(c) for c in cells)
    patched = _patched_attributes(code)
    if patched:
        flags.append(Flag("monkeypatch", f"student code assigns library attributes: {', '.join(patched[:5])}"))
    shadowed = _shadowed_checks(code, check_names)
    if shadowed:
        flags.append(Flag("shadows_checks", f"student code redefines test helpers: {', '.join(shadowed)}"))
    return flags + ast_flags(cells, released_cells)


def static_flags(submitted, released, check_names: set[str]) -> list[Flag]:
    """Flags from the submitted notebook alone, compared with the released one."""
    student_code = [c.source for c in submitted.cells if is_student_code(c)]
    released_code = [c.source for c in released.cells if c.get("cell_type") == "code"]
    return _dedupe(locked_cell_flags(submitted, released) + code_flags(student_code, check_names, released_code))


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
                        flags.append(Flag("notebook_deadline", f"the notebook ran past its deadline; {where} and "
                                                               "every later cell were not run"))
                elif out.ename == "MemoryError":
                    flags.append(Flag("memory_limit", f"{where} ran out of memory (the kernel's limit)"))
                elif out.ename == "SystemExit":
                    flags.append(Flag("system_exit", f"{where} called sys.exit()"))
                elif out.ename == UNVERIFIED:
                    flags.append(Flag("kernel_tampering", f"{where} scored 0: {out.evalue}"))
                elif out.ename == TAMPERED:
                    flags.append(Flag("tampered_during_test", f"{where} scored 0: {out.evalue}"))
            elif out.output_type == "display_data" and RESULT_MIME in out.get("data", {}):
                flags.append(Flag("fake_result", f"{where} failed but showed a result (nbgrader's partial credit): "
                                                 "ignored, the test scores 0"))
            elif out.output_type == "display_data" and GUARD_MIME in out.get("data", {}):
                names = ", ".join(out.data[GUARD_MIME].get("restored", []))
                flags.append(Flag("tampered_checks", f"after or before {where}: restored {names}"))
            elif out.output_type == "stream":
                if TRUNCATED in out.text:
                    flags.append(Flag("output_flood", f"{where} printed more than {flood_lines} lines or displayed too much (truncated)"))
    return _dedupe(flags)


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen, unique = set(), []
    for f in flags:
        if (f.flag, f.detail) not in seen:
            seen.add((f.flag, f.detail))
            unique.append(f)
    return unique

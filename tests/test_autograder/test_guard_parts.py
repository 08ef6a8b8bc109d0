"""The kernel guard's parts one at a time (``autograder/guard.py``), on stand-in modules, objects and classes: what
each snapshots, what it puts back, and what it reports. Imported here, the file installs nothing (no kernel);
the whole guard runs in real kernels in the corpus (``test_corpus.py``) and in ``test_guard.py``'s protocol."""

import hashlib
import hmac
import sys
import types

from autograder import guard


def _module(name, **names):
    module = types.ModuleType(name)
    vars(module).update(names)
    return module


def test_identity_is_compared_item_by_item_never_with_eq():
    class Liar:
        def __eq__(self, other):
            return True

    a, b = object(), object()
    assert guard._guard_same([a, b], (a, b)) and not guard._guard_same([a, b], [a, Liar()])
    assert not guard._guard_same(Liar(), a) and not guard._guard_same([a], [a, b])


def test_a_watched_module_gets_its_names_its_entry_and_its_functions_code_back(monkeypatch):
    def check(x, tolerance=1e-6):
        return abs(x) < tolerance

    module = _module("stand_in_checks", check=check, limit=3)
    monkeypatch.setitem(sys.modules, "stand_in_checks", module)
    watched, functions = guard._guard_watch(["stand_in_checks", "no_such_module_here"])
    assert set(watched) == {"stand_in_checks"} and set(functions) == {"stand_in_checks.check"}

    module.limit = 99  # a rebound name
    module.check.__code__ = (lambda x, tolerance=1: True).__code__  # identity kept, behaviour changed
    module.check.__defaults__ = (1e9,)
    modules = dict(sys.modules, stand_in_checks=_module("stand_in_checks"))  # the entry swapped
    changed = guard._guard_restore_modules(watched, functions, modules)
    assert modules["stand_in_checks"] is module and module.limit == 3 and not check(1.0) and check(1e-9)
    assert set(changed) == {
        "sys.modules['stand_in_checks']",
        "stand_in_checks.limit",
        "stand_in_checks.check.__code__",
        "stand_in_checks.check.__defaults__",
    }
    assert guard._guard_restore_modules(watched, functions, modules) == []  # nothing left to put back


def test_the_names_ipykernel_rebinds_every_cell_are_left_alone(monkeypatch):
    module = _module("stand_in_builtins", input=input, display=print)
    monkeypatch.setitem(sys.modules, "stand_in_builtins", module)
    watched, functions = guard._guard_watch(["stand_in_builtins"])
    module.input, module.display = (lambda *a: "forwarded"), (lambda *a: None)
    assert guard._guard_restore_modules(watched, functions, sys.modules) == []


def test_an_objects_methods_and_traits_come_back_and_a_shadowing_callable_goes():
    class Shell:
        def run(self):
            return "real"

    shell = Shell()
    shell.helper = len
    shell._trait_values = {"kernel": object(), "count": 3}
    obj, own, traits = guard._guard_machinery(shell, with_traits=True)
    assert own == {"helper": len} and set(traits) == {"kernel"}  # data traits change with every cell
    kernel = traits["kernel"]
    shell.helper, shell.run = print, (lambda: "fake")
    shell._trait_values["kernel"] = object()
    changed = guard._guard_restore_object("shell", obj, own, traits)
    assert shell.helper is len and shell.run() == "real" and shell._trait_values["kernel"] is kernel
    assert sorted(changed) == ["shell.helper", "shell.kernel", "shell.run"]


def test_a_patched_class_of_the_machinery_is_put_back(monkeypatch):
    class Result:
        @property
        def success(self):
            return False

    class Reply(Result):
        pass

    module = _module("stand_in_ipykernel.results", Result=Result, Reply=Reply)
    Result.__module__ = Reply.__module__ = "stand_in_ipykernel.results"
    classes = guard._guard_classes(
        {"stand_in_ipykernel.results": module, "os": sys.modules["os"]}, ("stand_in_ipykernel",)
    )
    assert set(classes) == {Result, Reply}
    Result.success = property(lambda self: True)  # every failing test would report success
    Reply.success = property(lambda self: True)  # or a subclass's own, shadowing it
    changed = guard._guard_restore_classes(classes)
    assert Result().success is False and Reply().success is False and "success" not in vars(Reply)
    assert sorted(changed) == ["Reply.success", "Result.success"]


def test_the_signer_signs_what_was_restored_with_the_key_it_was_armed_with_once():
    arm, sign = guard._guard_signer(lambda key: hmac.new(key, digestmod="sha256"))
    assert sign("n1", ["numpy.isclose"]) == "\nnumpy.isclose"  # unarmed: no signature
    assert arm("00ff") == "armed" and arm("aa") == "already armed"
    mac = hmac.new(bytes.fromhex("00ff"), b"n1\nnumpy.isclose", hashlib.sha256).hexdigest()
    assert sign("n1", ["numpy.isclose"]) == f"{mac}\nnumpy.isclose"


def test_imported_as_a_module_the_file_installs_nothing():
    assert "_autograder_guard" not in sys.modules
    assert callable(guard._autograder_install_guard) and guard._autograder_settings == {"watch": [], "checks": ""}

"""Layers you can see (issue 21 point 5): kiosk modules import each other
without cycles; the core, the flow and the store never reach the screens, the
widgets, the apps, Textual or Rich; screens ask the app only what
``kiosk.host`` declares; Textual's private API is used in one module only."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from textual.app import App

from kiosk import host as host_module
from kiosk.app import KioskApp
from kiosk.teller_app import TellerApp

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
# Alembic's scripts, run by Alembic inside a migration, not imported by the kiosk.
NOT_MODULES = {"migrations"}
PURE_PACKAGES = ("kiosk.core", "kiosk.flow", "kiosk.relay", "kiosk.store")
NEVER_UNDER_PURE = ("kiosk.screens", "kiosk.widgets", "kiosk.app", "kiosk.teller_app", "textual", "rich")
TEXTUAL_ADAPTER = "kiosk.textual_adapter"


def under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(KIOSK.rglob("*.py")):
        if NOT_MODULES & set(path.relative_to(KIOSK).parts):
            continue
        parts = list(path.relative_to(KIOSK.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


MODULES = module_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(module: str, with_type_checking: bool = False) -> set[str]:
    """Every module ``module`` imports, at its top or inside a function (a
    deferred import is a dependency all the same); what it imports only for
    type checking, only ``with_type_checking``.  ``from a import b`` counts
    as ``a`` and as ``a.b`` (b may be a module)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test) and not with_type_checking:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def kiosk_graph(with_type_checking: bool = False) -> dict[str, set[str]]:
    return {
        module: {name for name in imported_names(module, with_type_checking) if name in MODULES and name != module}
        for module in MODULES
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of ``graph`` with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                connect(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == module:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_deferred_imports_and_skips_type_checking_ones():
    # kiosk.cli imports the bench only when asked to run it; kiosk.app
    # imports the step screens' base only inside methods.
    assert "kiosk.bench.run" in imported_names("kiosk.cli")
    assert "kiosk.screens.base" in imported_names("kiosk.app")
    assert "kiosk.core.service" not in imported_names("kiosk.app")  # for type checking only
    assert "kiosk.core.service" in imported_names("kiosk.app", with_type_checking=True)


def test_kiosk_modules_import_each_other_without_cycles():
    assert cycles(kiosk_graph()) == []


def test_screens_and_widgets_never_import_an_app_even_for_type_checking():
    """They see the app through kiosk.host; the apps import them, not the other way round."""
    apps = {"kiosk.app", "kiosk.teller_app", "kiosk.cli", "kiosk.assembly"}
    for module in MODULES:
        if under(module, ("kiosk.screens", "kiosk.widgets", "kiosk.host")):
            assert not imported_names(module, with_type_checking=True) & apps, module


def test_core_flow_and_store_never_import_screens_widgets_apps_textual_or_rich():
    for module in MODULES:
        if under(module, PURE_PACKAGES):
            reached = {name for name in imported_names(module) if under(name, NEVER_UNDER_PURE)}
            assert reached == set(), module


HYGIENE = """
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
print(json.dumps(sorted(n for n in sys.modules if n.partition(".")[0] in ("textual", "rich"))))
"""


def test_importing_core_flow_and_store_loads_neither_textual_nor_rich():
    pure = [module for module in MODULES if under(module, PURE_PACKAGES)]
    assert {"kiosk.core.service", "kiosk.flow.runner", "kiosk.store.db"} <= set(pure)  # discovered, not listed
    done = subprocess.run(
        [sys.executable, "-c", HYGIENE, json.dumps(pure)],
        capture_output=True, text=True, timeout=120, cwd=KIOSK.parent,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def _names_kiosk_defines() -> set[str]:
    defined: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id == "self":
                defined.add(node.attr)
    return defined


def test_textual_private_api_is_used_only_in_the_adapter():
    """A private name (``_x``) the kiosk uses but never defines is a library's
    internal: only kiosk.textual_adapter may use one."""
    defined = _names_kiosk_defines()
    outside = []
    for module, path in MODULES.items():
        if module == TEXTUAL_ADAPTER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and node.attr not in defined:
                outside.append(f"{module}:{node.lineno} {node.attr}")
    assert outside == []
    adapter = MODULES[TEXTUAL_ADAPTER].read_text()
    assert "._register(" in adapter  # the checker would see one if it were elsewhere


def test_screens_and_widgets_use_only_textuals_public_app_api_of_their_app():
    """``<node>.app.<name>``: only what Textual's App offers publicly; what the
    kiosk adds is asked of the host."""
    textual_app = App()  # some of its public attributes are set as it is made (console, theme_variables)
    used = []
    for module, path in MODULES.items():
        if not under(module, ("kiosk.screens", "kiosk.widgets")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "app":
                if node.attr.startswith("_") or not hasattr(textual_app, node.attr):
                    used.append(f"{module}:{node.lineno} app.{node.attr}")
    assert used == []


def _protocol_members(protocol: type) -> set[str]:
    members = set(getattr(protocol, "__annotations__", {}))
    members |= {name for name, value in vars(protocol).items() if not name.startswith("_") and
                (callable(value) or isinstance(value, property))}
    return members


def test_the_apps_offer_every_member_of_their_host_interface():
    kiosk_needs = _protocol_members(host_module.KioskHost)
    teller_needs = _protocol_members(host_module.TellerHost)
    assert {"profile", "service", "return_to_welcome", "prepare_next", "store_ready"} <= kiosk_needs
    assert {"desk", "teller", "sign_out", "signed_in"} <= teller_needs
    kiosk = KioskApp(None, None)
    missing = {name for name in kiosk_needs if not hasattr(kiosk, name)}
    assert missing == set()
    # TellerApp sets desk and teller in __init__; the rest are its methods.
    teller_methods = {name for name in teller_needs if name not in {"desk", "teller"}}
    assert {name for name in teller_methods if not hasattr(TellerApp, name)} == set()
    assert {"desk", "teller"} <= set(TellerApp.__init__.__code__.co_names)


STARTED_BY_THE_COMMAND = """
import json, sys
from textual.app import App

def run(app, *args, **kwargs):  # where the welcome screen would be painted
    print(json.dumps(sorted({n.partition(".")[0] for n in sys.modules} & {"sqlalchemy", "sqlmodel", "alembic"})))

App.run = run
from kiosk.cli import main
main([])
"""


def test_the_kiosk_command_paints_its_welcome_screen_before_importing_the_store_layer(tmp_path):
    """The store layer (about a second to import) is imported in a thread once
    the welcome screen shows (kiosk.store_later), never while the command is
    read: the report's day parser once pulled SQLAlchemy in before the app ran."""
    env = dict(os.environ, KIOSK_DATA_DIR=str(tmp_path), KIOSK_INSTITUTION="progressa")
    env.pop("KIOSK_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", STARTED_BY_THE_COMMAND], capture_output=True, text=True,
                          timeout=120, cwd=KIOSK.parent, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []

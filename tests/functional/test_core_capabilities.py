"""The core cut by capability stays as README.md says: every operation of the
``KioskService`` facade is a one-line forward to the capability module the
README's table names for it, those modules stay small, and the teller desk
composes parts instead of being a kiosk."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from kiosk.core import service as service_module
from kiosk.core.service import KioskService
from kiosk.core.teller import TellerDesk

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "kiosk" / "core"
ROW = re.compile(r"^\s*\| `(?P<module>[a-z_]+\.py)` \| [^|]+ \| (?P<operations>[^|]+) \|\s*$")
MAX_LINES = 300


def readme_table() -> dict[str, set[str]]:
    """Capability module -> the facade operations the README says it owns."""
    table = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        row = ROW.match(line)
        if row:
            table[row["module"]] = set(re.findall(r"`([a-z_]+)`", row["operations"]))
    return table


def facade_operations(facade: type, only_forwards: bool = False) -> dict[str, str]:
    """Public operation -> the module of the function it forwards to (with
    ``only_forwards``, the facade's own operations are skipped)."""
    found = {}
    for name, member in vars(facade).items():
        if name.startswith("_") or not callable(member):
            continue
        target = inspect.unwrap(member)
        if only_forwards and target is member:
            continue
        assert target is not member, f"{facade.__name__}.{name} is not a forward to a capability"
        assert target.__name__ == name
        found[name] = Path(inspect.getsourcefile(target)).name
    return found


def test_the_readme_table_is_the_facade():
    table = readme_table()
    assert len(table) == 8, table
    owners = {}
    for module, operations in table.items():
        for operation in operations:
            owners[operation] = module
    assert facade_operations(KioskService) == owners


def test_capability_modules_are_small():
    for module in [*readme_table(), "context.py", "values.py", "key_store.py", "guess_budget.py", "notices.py"]:
        lines = len((CORE / module).read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{module}: {lines} lines"


def test_the_facade_holds_no_logic():
    """Its operations are forwards; what is left is wiring and the plumbing some tests drive."""
    source = inspect.getsource(KioskService)
    assert "session.add" not in source and "select(" not in source and "Refusal" not in source
    assert len(inspect.getsource(service_module).splitlines()) <= 160


def test_a_facade_call_reaches_its_capability():
    calls = []

    class Part:
        def identify(self, document_number: str, document_type: str = "CC"):
            calls.append((document_number, document_type))
            return "from the part"

    facade = object.__new__(KioskService)
    facade.identification = Part()
    assert facade.identify("12345678", document_type="CE") == "from the part"
    assert calls == [("12345678", "CE")]
    # The signature and docstring are the capability's own (one place for each).
    assert str(inspect.signature(KioskService.login)).startswith("(self, identity: 'Identity', secret: 'str'")
    assert "temporary key" in KioskService.login.__doc__


def test_the_teller_desk_composes_instead_of_being_a_kiosk():
    assert not issubclass(TellerDesk, KioskService)
    assert KioskService not in TellerDesk.__mro__
    forwards = facade_operations(TellerDesk, only_forwards=True)
    assert forwards["update_contacts"] == "contact_changes.py"
    assert forwards["messages_for"] == "identity.py"
    assert forwards["check_password"] == "teller_accounts.py"
    assert set(forwards.values()) == {"identity.py", "contact_changes.py", "teller_accounts.py"}

"""The import contracts in pyproject.toml ([tool.importlinter]) hold: layers, pure engines, no cycles.

Run here so CI enforces them with the rest of the suite (`make check` runs them too).
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    return shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_of_the_site_is_placed_in_a_layer():
    """A new module must be placed in a layer of pyproject.toml, or the layers contract ignores it.

    A module is placed when it, or a package above it, is named in a layer. Package __init__
    files, app configs and migrations need no place.
    """
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layered = set()
    for contract in config["contracts"]:
        for layer in contract.get("layers", []):
            layered.update(name.strip() for name in layer.replace("|", ":").split(":"))
    unplaced = []
    for package in ("portal", "patients", "education"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if path.name in ("__init__.py", "apps.py") or "migrations" in parts:
                continue
            if not any(".".join(parts[:n]) in layered for n in range(1, len(parts) + 1)):
                unplaced.append(".".join(parts))
    assert unplaced == [], f"place these in a layer of pyproject.toml: {sorted(unplaced)}"

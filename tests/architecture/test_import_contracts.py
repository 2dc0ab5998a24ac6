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


def test_the_contracts_cover_the_pure_engines_and_every_patients_module():
    """A new top-level module in patients/ must be placed in a layer, or the layers contract ignores it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layered = set()
    for contract in config["contracts"]:
        for layer in contract.get("layers", []):
            layered.update(name.strip() for name in layer.replace("|", ":").split(":"))
    modules = {
        f"patients.{p.stem}"
        for p in (ROOT / "patients").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__" and p.stem != "apps")
        or (p.is_dir() and (p / "__init__.py").exists() and p.name != "migrations")
    }
    assert modules - layered == set(), f"place these in a layer of pyproject.toml: {sorted(modules - layered)}"

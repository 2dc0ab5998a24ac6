"""scripts/system-packages: which Debian packages `make test` lacks, and what it does about them.

Each run sees a fake machine under tmp_path: commands are looked for only in SYSTEM_PACKAGES_PATH,
files under SYSTEM_PACKAGES_ROOT, and apt-get on PATH is a stub that logs its calls, so nothing is
ever installed, even when the suite itself runs as root.
"""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "system-packages"
ALL_PACKAGES = ["postgresql", "redis-server", "chromium", "gettext", "fonts-dejavu-core", "libpangoft2-1.0-0"]
NOT_ROOT_HINT = "make test: missing system packages; as root run:"


def executable(path: Path, body: str = "#!/bin/sh\nexit 0\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


class Machine:
    """A fake filesystem to run the script against: add what is 'installed', then run."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path / "root"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.apt_log = tmp_path / "apt.log"
        stub_dir = tmp_path / "stub"
        executable(
            stub_dir / "apt-get",
            f'#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> "{self.apt_log}"\nexit "${{APT_STATUS:-0}}"\n',
        )
        self.path = f"{stub_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"

    def command(self, *names: str) -> "Machine":
        for name in names:
            executable(self.bin / name)
        return self

    def file(self, *relative: str) -> "Machine":
        for rel in relative:
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")
        return self

    def everything_but_postgres(self) -> "Machine":
        return self.file(
            "usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0"
        ).command("redis-server", "chromium", "msgfmt")

    def everything(self) -> "Machine":
        return self.everything_but_postgres().file(
            "usr/lib/postgresql/15/bin/initdb", "usr/lib/postgresql/15/bin/pg_ctl"
        )

    def run(self, *args: str, as_root: bool = False, **env: str) -> subprocess.CompletedProcess:
        environment = {
            "PATH": self.path,
            "SYSTEM_PACKAGES_PATH": str(self.bin),
            "SYSTEM_PACKAGES_ROOT": str(self.root),
            "SYSTEM_PACKAGES_AS_ROOT": "1" if as_root else "0",
            **env,
        }
        return subprocess.run([str(SCRIPT), *args], env=environment, capture_output=True, text=True, timeout=30)

    def apt_calls(self) -> list[str]:
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []


@pytest.fixture
def machine(tmp_path) -> Machine:
    return Machine(tmp_path)


@pytest.mark.parametrize("as_root", [False, True])
def test_nothing_missing_is_silent_and_succeeds(machine, as_root):
    result = machine.everything().run(as_root=as_root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert machine.apt_calls() == []


def test_not_root_prints_the_one_apt_get_line_and_exits_3(machine):
    result = machine.run()
    assert result.returncode == 3
    assert result.stderr.splitlines() == [NOT_ROOT_HINT, "apt-get install " + " ".join(ALL_PACKAGES)]
    assert result.stdout == ""
    assert machine.apt_calls() == []


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        # PostgreSQL found in Debian's versioned directory, not on PATH.
        (
            lambda m: m.file("usr/lib/postgresql/16/bin/initdb", "usr/lib/postgresql/16/bin/pg_ctl").command(
                "redis-server", "msgfmt"
            ),
            ["chromium", "fonts-dejavu-core", "libpangoft2-1.0-0"],
        ),
        # PostgreSQL binaries on PATH count too; initdb alone does not.
        (lambda m: m.everything_but_postgres().command("initdb", "pg_ctl"), []),
        (lambda m: m.everything_but_postgres().command("initdb"), ["postgresql"]),
        (lambda m: m.everything_but_postgres().file("usr/lib/postgresql/15/bin/initdb"), ["postgresql"]),
    ],
    ids=["pg-dir", "pg-on-path", "initdb-only", "pg-dir-initdb-only"],
)
def test_names_exactly_the_missing_packages(machine, present, expected):
    present(machine)
    result = machine.run()
    if expected:
        assert result.returncode == 3
        assert result.stderr.splitlines() == [NOT_ROOT_HINT, "apt-get install " + " ".join(expected)]
    else:
        assert (result.returncode, result.stderr) == (0, "")


def test_check_lists_missing_packages_and_never_installs(machine):
    machine.command("redis-server", "msgfmt")
    result = machine.run("--check", as_root=True)
    assert result.returncode == 3
    assert result.stdout.split() == ["postgresql", "chromium", "fonts-dejavu-core", "libpangoft2-1.0-0"]
    assert machine.apt_calls() == []

    ok = machine.everything().run("--check", as_root=True)
    assert (ok.returncode, ok.stdout) == (0, "")


def test_root_installs_the_missing_packages_with_apt(machine):
    machine.everything()
    (machine.bin / "chromium").unlink()
    (machine.bin / "msgfmt").unlink()
    result = machine.run(as_root=True)
    assert result.returncode == 0, result.stderr
    assert machine.apt_calls() == [
        "noninteractive update -qq",
        "noninteractive install -y -qq --no-install-recommends chromium gettext",
    ]


def test_root_exit_status_is_apts(machine):
    result = machine.run(as_root=True, APT_STATUS="100")
    assert result.returncode == 100
    assert machine.apt_calls() == ["noninteractive update -qq"]  # a failed update stops before install


def test_unknown_option_is_a_usage_error(machine):
    result = machine.everything().run("--install")
    assert result.returncode == 2
    assert "usage" in result.stderr


@pytest.mark.parametrize("target", ["test", "bench"])
def test_make_targets_run_the_script_before_anything_else(target):
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "scripts/system-packages"


def test_ci_uses_the_same_script_then_make_test():
    lines = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith(("set ", "cd "))]
    assert commands == ["scripts/system-packages", "make test </dev/null"]

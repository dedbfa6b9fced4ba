"""A non-editable install (the wheel) finds its templates, jobs, migrations, translations."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import rekruttering, rekruttering_jobs.scheduler, pathlib, sys
assert rekruttering.__file__.startswith(sys.argv[1]), rekruttering.__file__
assert rekruttering_jobs.scheduler.__file__.startswith(sys.argv[1]), rekruttering_jobs.__file__
from rekruttering.config import parse_settings
from rekruttering.app import MIGRATIONS_DIR
assert (MIGRATIONS_DIR / "env.py").exists()
app = rekruttering.create_app(parse_settings({"app": {"database_url": "sqlite://", "secret_key": "k"}}, environ={}))
html = app.test_client().get("/login").get_data(as_text=True)
assert "Logg inn" in html, html[:300]
print("OK")
"""


def _setuptools_warnings(output: str) -> list[str]:
    """Warnings printed by the build backend (pip's own ``WARNING:`` lines aside)."""
    return [
        line
        for line in output.splitlines()
        if "warn" in line.lower() and not line.startswith("WARNING:")
    ]


def test_wheel_install_finds_templates_and_jobs(tmp_path: Path) -> None:
    """Build the wheel, install it apart from the checkout, and render the login page."""
    # Byte-compiling off (PYTHONDONTWRITEBYTECODE) makes setuptools warn; not our packaging.
    build_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-v",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        env=build_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    assert _setuptools_warnings(built.stdout + built.stderr) == []
    wheel = next((tmp_path / "dist").glob("rekruttering-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        top_level = {name.split("/")[0] for name in archive.namelist()}
        names = set(archive.namelist())
    # jobs/ ships under a name of its own, never as a top-level ``jobs`` another
    # distribution could also claim.
    assert "rekruttering_jobs/scheduler.py" in names
    assert "rekruttering_jobs/registry.py" in names
    assert "jobs" not in top_level
    assert top_level - {"rekruttering-0.1.0.dist-info"} == {
        "rekruttering",
        "rekruttering_jobs",
        "rekruttering_templates",
    }
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {"PYTHONPATH": f"{target}:{sysconfig.get_paths()['purelib']}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path[:0]=sys.argv[2].split(':'); exec(sys.argv[3])",
            str(target),
            env["PYTHONPATH"],
            CHECK,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OK" in result.stdout

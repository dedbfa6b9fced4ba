"""A non-editable install (the wheel) finds its templates, jobs, migrations, translations."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import rekruttering, jobs.scheduler, pathlib, sys
assert rekruttering.__file__.startswith(sys.argv[1]), rekruttering.__file__
from rekruttering.config import parse_settings
from rekruttering.app import MIGRATIONS_DIR
assert (MIGRATIONS_DIR / "env.py").exists()
app = rekruttering.create_app(parse_settings({"app": {"database_url": "sqlite://", "secret_key": "k"}}, environ={}))
html = app.test_client().get("/login").get_data(as_text=True)
assert "Logg inn" in html, html[:300]
print("OK")
"""


def test_wheel_install_finds_templates_and_jobs(tmp_path: Path) -> None:
    """Build the wheel, install it apart from the checkout, and render the login page."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("rekruttering-*.whl"))
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

"""The layering rules in docs/architecture.md, checked by import-linter rather than trusted."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")],
        cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


def test_the_host_importing_a_plugin_breaks_a_contract(tmp_path):
    # given a copy of the contracts and a web module that imports the points plugin's models
    config = tmp_path / ".importlinter"
    config.write_text((ROOT / ".importlinter").read_text(encoding="utf-8"), encoding="utf-8")
    probe = ROOT / "platform" / "web" / "_probe_plugin_import.py"
    probe.write_text("from plugins.points.models import PointsAccount  # noqa: F401\n", encoding="utf-8")
    try:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config), "--no-cache"],
            cwd=ROOT, capture_output=True, text=True,
            env={"PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        )
    finally:
        probe.unlink()
    # then the run fails, naming the contract and the import
    assert result.returncode != 0
    assert "The host never imports a plugin" in result.stdout and "BROKEN" in result.stdout
    assert "web._probe_plugin_import -> plugins.points.models" in result.stdout

"""Every shell example in the docs and README runs.

Python examples (``>>>`` lines) are run by pytest's doctest collection of
``*.md`` files. Shell examples are ```` ```console ```` blocks whose command
lines start with ``$ ``; each block runs in a fresh temporary folder, its
commands in order, and each must exit 0 unless the line ends with
``# exits N``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")


def _blocks() -> list[tuple[str, list[str]]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for i, match in enumerate(BLOCK.finditer(text)):
            cmds = [line[2:] for line in match.group(1).splitlines() if line.startswith("$ ")]
            if cmds:
                found.append((f"{page.relative_to(ROOT)}#{i}", cmds))
    return found


@pytest.mark.parametrize(("where", "commands"), _blocks(), ids=[b[0] for b in _blocks()])
def test_console_block_runs(where: str, commands: list[str], tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "120"
    for cmd in commands:
        if cmd.startswith("make "):
            continue  # the quick start commands are what runs this suite
        expected = 0
        m = EXITS.search(cmd)
        if m:
            expected = int(m.group(1))
        proc = subprocess.run(
            cmd, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == expected, (
            f"{where}: `{cmd}` exited {proc.returncode}, expected {expected}\n"
            f"stdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-2000:]}"
        )
    shutil.rmtree(tmp_path, ignore_errors=True)

"""The README's worked decision is run through the real command line and must stay true."""

import json
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## How the engine decides")
    return text[start : text.index("\n## ", start + 3)]


def test_readme_worked_decision_matches_the_cli_output():
    section = _section()
    request = re.search(r"```jsonl\n(.+?)\n```", section, re.S).group(1)
    shown = dict(
        line.split(": ", 1)
        for line in re.search(r"```text\n(.+?)\n```", section, re.S).group(1).splitlines()
    )
    out = subprocess.run(
        [sys.executable, "-m", "kmslab.kms", "authorize"],
        input=request + "\n", capture_output=True, text=True, check=True, timeout=60,
    )
    answer = json.loads(out.stdout)
    assert answer["decision"] == shown["decision"]
    assert answer["message"] == shown["message"]
    assert answer["explanation"][0] == shown["explanation"]


def test_readme_names_every_module_with_a_simulation_note():
    root = README.parent
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Where the simulation differs from AWS") :]
    modules = {
        path for path in list(root.glob("kmslab/**/*.py")) + list(root.glob("scenarios/**/*.py"))
        if "# SIMULATION" in path.read_text(encoding="utf-8")
    }
    assert modules, "the code has SIMULATION notes"
    missing = [
        str(p.relative_to(root)) for p in modules
        if str(p.relative_to(root)) not in section and f"`{p.name}`" not in section
    ]
    assert not missing, f"README's simulation section does not name: {missing}"

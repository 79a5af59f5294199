"""The README starts with the two set-up commands, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_starts_with_two_commands():
    text = (ROOT / "README.md").read_text()
    first_lines = text.split("\n\n", 3)
    assert first_lines[0] == "# The Portal"
    commands = _commands()
    assert len(commands) >= 2
    assert "run-demo" in commands[0] and "pip install" in commands[0]
    assert "[test]" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_and_postgresql():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci
    assert "PORTAL_TEST_DATABASE_URL=postgresql+psycopg://" in ci

"""Accessibility checks with axe-core (vendored from npm, see vendor/axe-core/README.md), run
in the page under test. A page passes with no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    """Returns the serious and critical violations axe-core finds in the page as it is now."""
    # Evaluated through the DevTools protocol, so the Portal's script-src 'self' policy lets
    # it in without a change to the page.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(_RUN) if v["impact"] in BLOCKING]


def assert_accessible(page: Page) -> None:
    """Fails with every serious or critical violation axe-core finds in the page."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in violations
    )

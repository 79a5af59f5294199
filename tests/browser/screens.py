"""Screenshots of the pages the browser tests walk through, at desktop and phone sizes. They
go to the test's temporary folder, or to PORTAL_SCREENSHOT_DIR when set (that is how the
pictures in docs/screenshots/ are made)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Page, folder: Path, name: str, *, phone: bool = True) -> None:
    """Saves `name`-desktop.png (and `name`-phone.png) of the page as it is now."""
    target = Path(os.environ.get("PORTAL_SCREENSHOT_DIR") or folder)
    target.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(target / f"{name}-desktop.png"), full_page=True)
    if phone:
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(target / f"{name}-phone.png"), full_page=True)
    if size:
        page.set_viewport_size(size)

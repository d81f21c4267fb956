"""Make the README's pictures of the page: the library, a build in progress, a briefing.

Run: .venv/bin/python scripts/page_screenshots.py [OUT_DIR]   (default: docs/)

Builds two examples with the CLI into a temporary library, serves it on loopback, and takes
the pictures with Debian's Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--autoplay-policy=no-user-gesture-required"]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import expect, sync_playwright

    from briefing.page.server import running

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        library = Path(folder)
        for article, title in (("city-budget.md", "City budget"),
                               ("ukraine-north-korea.txt", "North Korean troops in Ukraine")):
            subprocess.run([sys.executable, "-m", "briefing", "build", "-q",
                            str(ROOT / "examples" / article), "--title", title, "-o",
                            str(library / (Path(article).stem + ".mp3"))], check=True)
        with running(library) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 900, "height": 560})
            page.goto(server.address.url)
            page.screenshot(path=out / "page-library.png")

            page.goto(server.address.url + "new")
            text = (ROOT / "examples" / "ukraine-north-korea.txt").read_text()
            page.fill("textarea[name=text]", text)
            page.fill("input[name=title]", "Morning briefing")
            page.fill("input[name=rate]", "160")  # nothing cached at this rate: a real build
            page.click("button[type=submit]")
            expect(page.locator(".progress .stage")).to_contain_text("Speaking: 1",
                                                                     timeout=60_000)
            page.screenshot(path=out / "page-building.png")
            page.click("button.cancel")
            expect(page.locator(".progress .error")).to_be_visible(timeout=60_000)

            page.goto(server.address.url + "b/ukraine-north-korea.mp3")
            page.wait_for_function("document.querySelector('audio').readyState >= 1")
            page.locator(".cue").nth(3).click()
            page.locator("audio").evaluate("a => { a.pause(); a.currentTime = "
                                           "+document.querySelectorAll('.cue')[3]"
                                           ".dataset.start + 0.05; }")
            expect(page.locator(".cue.now")).to_have_count(1)
            page.mouse.move(0, 0)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=out / "page-briefing.png")
            browser.close()
    for name in ("page-library.png", "page-building.png", "page-briefing.png"):
        print(f"{out / name}: {(out / name).stat().st_size / 1000:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

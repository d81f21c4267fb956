"""The page in a real browser: Debian's Chromium, driven by Playwright.

Never skipped: `scripts/test` installs the `chromium` package when it is missing, so a
missing browser fails here. Playwright's own browser download is never used. Each test
saves a screenshot of the page it checked in `test-screenshots/`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from briefing.page.builds import STATE_FOLDER
from briefing.page.server import PageServer, running
from briefing.page.views import read_chapters, read_cues
from tests.conftest import EXAMPLE, ROOT, decode, run_cli
from tests.page.test_builds import unique_article

pytestmark = pytest.mark.slow  # end to end: real servers, workers and processes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = ROOT / "test-screenshots"
# Builds of the example take about 2 s here; a fresh CI machine can be slower and busier.
BUILD_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), (f"{CHROMIUM} is missing: scripts/test installs Debian's "
                               "chromium package (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png")
    context.close()
    assert errors == []  # no script error on any page


@pytest.fixture
def library(tmp_path: Path) -> Iterator[tuple[Path, PageServer]]:
    folder = tmp_path / "library"
    folder.mkdir()
    with running(folder) as server:
        yield folder, server


@pytest.fixture(scope="module")
def listened(tmp_path_factory: pytest.TempPathFactory,
             example_build: Path) -> Iterator[tuple[Path, PageServer]]:
    """A library holding the example (built by the CLI), for the player's tests."""
    folder = tmp_path_factory.mktemp("listen")
    for source in example_build.parent.glob(example_build.stem + ".*"):
        shutil.copy(source, folder / source.name)
    with running(folder) as server:
        yield folder / example_build.name, server


def test_paste_the_example_see_progress_then_the_player(
        page: Page, library: tuple[Path, PageServer]) -> None:
    folder, server = library
    page.goto(server.address.url + "new")
    page.fill("textarea[name=text]", EXAMPLE.read_text())
    page.fill("input[name=title]", "North Korean troops")
    page.click("button[type=submit]")
    expect(page.locator(".progress .stage")).to_be_visible()
    expect(page).to_have_url(server.address.url + "b/north-korean-troops.mp3",
                             timeout=BUILD_TIMEOUT_MS)
    audio = page.locator("audio")
    page.wait_for_function("document.querySelector('audio').readyState >= 1")
    assert audio.evaluate("a => a.duration") > 100
    expect(page.locator("h1")).to_have_text("North Korean troops")
    assert (folder / "north-korean-troops.mp3").exists()


def test_the_player_s_duration_is_the_file_s(page: Page,
                                             listened: tuple[Path, PageServer]) -> None:
    audio_file, server = listened
    page.goto(f"{server.address.url}b/{audio_file.name}")
    page.wait_for_function("document.querySelector('audio').readyState >= 1")
    duration = page.locator("audio").evaluate("a => a.duration")
    assert abs(duration - len(decode(audio_file)) / 22050) <= 0.1


def test_a_click_on_the_third_chapter_seeks_to_it(page: Page,
                                                  listened: tuple[Path, PageServer]) -> None:
    audio_file, server = listened
    chapters = read_chapters(audio_file.with_suffix(".chapters.json"))
    page.goto(f"{server.address.url}b/{audio_file.name}")
    page.wait_for_function("document.querySelector('audio').readyState >= 1")
    # Where the seek landed, read as it completes (playback goes on from there at once).
    page.evaluate("""() => { const audio = document.querySelector('audio');
        audio.addEventListener('seeked', () => { window.landed ??= audio.currentTime; }); }""")
    page.locator("ol.chapters a").nth(2).click()
    time = page.wait_for_function("window.landed ?? null").json_value()
    assert abs(time - chapters[2].start) <= 0.1


def test_the_highlight_follows_the_cues_while_playing(page: Page,
                                                      listened: tuple[Path, PageServer]) -> None:
    audio_file, server = listened
    cues = read_cues(audio_file.with_suffix(".vtt"))
    page.goto(f"{server.address.url}b/{audio_file.name}")
    page.wait_for_function("document.querySelector('audio').readyState >= 1")
    page.locator(".cue").nth(5).click()  # seek to a sentence and play from there
    highlighted = page.locator(".cue.now")
    expect(highlighted).to_have_text(cues[5].text)
    page.wait_for_function("!document.querySelector('audio').paused")
    # From just before that sentence ends, into the next ones:
    page.locator("audio").evaluate(f"a => {{ a.currentTime = {cues[5].end - 1.5}; }}")
    # at every time update over the next 4 s of audio, the highlighted sentence is the one
    # whose cue spans the playing time (none in the pauses between sentences).
    samples = page.evaluate("""() => new Promise((resolve) => {
        const audio = document.querySelector('audio'), seen = [], until = audio.currentTime + 4;
        audio.addEventListener('timeupdate', function sample() {
            const cue = document.querySelector('.cue.now');
            seen.push([audio.currentTime, cue ? +cue.dataset.start : null,
                       cue ? +cue.dataset.end : null]);
            if (audio.currentTime > until) {
                audio.removeEventListener('timeupdate', sample);
                audio.pause();
                resolve(seen);
            }
        });
    })""")
    spans = [(cue.start, cue.end) for cue in cues]
    # The page's listener read the time a moment before this one did (the media clock runs
    # on between two listeners of one event): a cue may have just ended or begun since.
    slack = 0.05
    for now, start, end in samples:
        inside = [span for span in spans if span[0] <= now + 0.001 and now < span[1]]
        if start is None:
            assert all(span[0] > now - slack for span in inside), (now, inside)
        else:
            just_before = [span for span in spans
                           if span[0] <= now + 0.001 and now - slack < span[1]]
            assert (start, end) in just_before, (now, start, end, inside)
    # And the highlight did follow: more than one sentence was lit in those 4 s.
    assert len({start for _, start, _ in samples if start is not None}) >= 2
    assert len({start for _, start, _ in samples if start is not None}) >= 2
    box = page.locator(".transcript .scroll")
    assert highlighted.evaluate("(cue) => { const box = cue.closest('.scroll');"
                                " return cue.offsetTop >= box.scrollTop - 1 &&"
                                " cue.offsetTop <= box.scrollTop + box.clientHeight; }")
    assert box.is_visible()


def test_a_binary_upload_shows_the_one_line_error(page: Page, tmp_path: Path,
                                                  library: tuple[Path, PageServer]) -> None:
    folder, server = library
    binary = bytes(range(256)) * 8
    (tmp_path / "photo.png").write_bytes(binary)
    cli = run_cli("build", "photo.png", cwd=tmp_path)
    page.goto(server.address.url + "new")
    page.set_input_files("input[type=file]", files=[
        {"name": "photo.png", "mimeType": "image/png", "buffer": binary}])
    page.click("button[type=submit]")
    error = page.locator(".progress .error")
    expect(error).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    assert f"briefing: error: {error.inner_text()}" == cli.stderr.strip()
    assert os.listdir(folder) == [STATE_FOLDER]


def test_cancel_leaves_no_files(page: Page, library: tuple[Path, PageServer]) -> None:
    folder, server = library
    page.goto(server.address.url + "new")
    page.fill("textarea[name=text]", unique_article(80))
    page.click("button[type=submit]")
    expect(page.locator(".progress .stage")).to_contain_text("Speaking",
                                                            timeout=BUILD_TIMEOUT_MS)
    page.click("button.cancel")
    expect(page.locator(".progress .error")).to_have_text("Cancelled; nothing was written.",
                                                          timeout=BUILD_TIMEOUT_MS)
    assert os.listdir(folder) == [STATE_FOLDER]


def test_a_reload_reconnects_to_the_running_build(page: Page,
                                                  library: tuple[Path, PageServer]) -> None:
    _, server = library
    page.goto(server.address.url + "new")
    # Long enough to be still running after the reload: a build now speaks 30 sentences in
    # about a second, and a page loaded once the build is done goes to the briefing.
    page.fill("textarea[name=text]", unique_article(200))
    page.click("button[type=submit]")
    expect(page.locator(".progress .stage")).to_contain_text("Speaking",
                                                            timeout=BUILD_TIMEOUT_MS)
    page.reload()
    expect(page.locator(".progress .stage")).to_be_visible()
    page.wait_for_url(f"{server.address.url}b/**", timeout=BUILD_TIMEOUT_MS)
    expect(page.locator("audio")).to_be_attached()


def test_listening_and_downloading_work_without_javascript(
        browser: Browser, listened: tuple[Path, PageServer]) -> None:
    audio_file, server = listened
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server.address.url}b/{audio_file.name}")
        assert page.locator("audio[controls]").get_attribute("src") == f"/{audio_file.name}"
        links = page.locator(".downloads a").evaluate_all("links => links.map(a => a.href)")
        assert f"{server.address.url}{audio_file.name}" in links
        assert f"{server.address.url}{audio_file.stem}.vtt" in links
        assert page.locator(".cue").count() > 10
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "test_without_javascript.png")
    finally:
        context.close()

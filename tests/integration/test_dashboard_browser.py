"""The dashboard in a real headless Chromium, fed by a real worker on the real broker.

What a person watching the page would notice: narrative cards with keywords appear, new
narratives and versions show up without reloading the page, and documents are shown as
text — a document carrying `<script>` or `<img onerror>` is displayed literally and runs
nothing. The run leaves a screenshot at `build/dashboard.png` for people to look at.

Chromium and its WebDriver are Debian's (`chromium`, `chromium-driver`, installed by .ci/run);
Selenium is pointed at them so it never tries to download a browser or a driver.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka_support import wait_for
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import SAMPLE_START, generate_sample
from agents.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "build" / "dashboard.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
        "chromium-driver; .ci/run installs them)",
    ),
]

#: 10 hours of sample in 3-hour windows sliding every 30 minutes; small clusters count.
WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
    "NARRATIVES_MIN_CLUSTER_SIZE": "6",
    "NARRATIVES_MIN_SAMPLES": "3",
}
HOURS = 10.0
SPLIT = SAMPLE_START + timedelta(hours=HOURS * 0.45)  # ballot-fraud starts after 50%

#: Planted in every document of one narrative. Entities survive tag stripping and are decoded
#: by the normaliser, so representatives carry the raw markup; the source is never normalised.
HOSTILE_LABEL = "deepfake-allegation"
HOSTILE_PREFIX = (
    "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt; "
    "&lt;script&gt;window.__pwned=2&lt;/script&gt; "
)
HOSTILE_TEXT = '<img src=x onerror="window.__pwned=1">'
HOSTILE_SOURCE = '<b onmouseover="window.__pwned=3">bold-news</b><img src=y onerror=alert(4)>'


def _stream() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The sample, hostile text planted, split in two by event time."""
    records = generate_sample(400, hours=HOURS, noise_share=0.2)
    for record in records:
        if record["label"] == HOSTILE_LABEL:
            record["source"] = HOSTILE_SOURCE
            field = "title" if record["kind"] == "article" else "text"
            record[field] = HOSTILE_PREFIX + str(record[field])
    split = SPLIT.strftime("%Y-%m-%dT%H:%M:%S")
    first = [r for r in records if str(r["published_at"]) < split]
    return first, records[len(first) :]


def _produce(settings: Settings, records: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    assert produce_file(settings, path) == len(records)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    assert CHROMIUM and CHROMEDRIVER  # the module is skipped otherwise
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,2000",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _cards(driver: webdriver.Chrome) -> dict[str, str]:
    """narrative id -> version of every card on the page, read from the live DOM."""
    found: dict[str, str] = driver.execute_script(
        "const out = {};"
        "for (const c of document.querySelectorAll('#board .card'))"
        "  out[c.dataset.narrativeId] = c.dataset.version;"
        "return out;"
    )
    return found


def _texts(driver: webdriver.Chrome, selector: str) -> list[str]:
    """textContent of every match, read in one call (the page may re-render between calls)."""
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);",
        selector,
    )
    return found


def test_dashboard_shows_live_narratives_safely(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
    browser: webdriver.Chrome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager: never fetch anything
    env = {**unique_topics, **WINDOW_ENV}
    settings = settings_from(env)
    worker = start_worker(env)
    first, rest = _stream()
    assert first and rest

    _produce(settings, first, tmp_path / "first.jsonl")

    def live() -> int:
        status, body = worker.get("/api/narratives")
        return int(json.loads(body)["live"]) if status == 200 else 0

    def wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
        try:
            wait_for(condition, timeout_s, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; worker log:\n{worker.log_tail()}") from None

    wait(lambda: live() >= 1, 300, "a narrative on /api/narratives")

    browser.get(worker.url("/dashboard?poll=1000"))
    wait(lambda: len(_cards(browser)) >= 1, 30, "narrative cards on the page")
    keywords = _texts(browser, "#board .card .keywords .chip")
    assert keywords and all(k.strip() for k in keywords)
    browser.execute_script("window.__sameDocument = 'yes';")  # gone if the page reloads
    before = _cards(browser)
    revision = browser.find_element(By.ID, "revision").text

    _produce(settings, rest, tmp_path / "rest.jsonl")

    def changed() -> bool:
        now = _cards(browser)
        grown = set(now) - set(before) or {n for n in now if now[n] != before.get(n)}
        return bool(grown) and browser.find_element(By.ID, "revision").text != revision

    wait(changed, 300, "new narratives or versions on the page")
    assert browser.execute_script("return window.__sameDocument") == "yes"

    # Untrusted text is shown literally and runs nothing.
    board = browser.find_element(By.ID, "board")
    wait(lambda: HOSTILE_TEXT in board.text, 60, "the hostile document shown as text")
    assert HOSTILE_SOURCE in board.text
    assert "<script>window.__pwned=2</script>" in board.get_attribute("textContent")
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert (
        browser.execute_script(
            "return document.querySelectorAll('#board img, #board script, #board b').length"
        )
        == 0
    )
    status = browser.find_element(By.ID, "status").get_attribute("className")
    assert "ok" in status.split()

    # Let the stream finish and the page catch up, so the screenshot shows the whole run.
    # The last slide that closes ends at 09:30 (a stopped stream leaves its last one open).
    end = (SAMPLE_START + timedelta(hours=HOURS - 0.5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    final: dict[str, Any] = {}

    def api() -> dict[str, Any]:
        final.clear()
        final.update(json.loads(worker.get("/api/narratives")[1]))
        return final

    wait(lambda: str(api()["watermark"]) >= end, 300, f"the watermark to reach {end}")
    wait(
        lambda: browser.find_element(By.ID, "revision").text == str(api()["revision"]),
        30,
        "the page to show the latest revision",
    )
    shown = _cards(browser)
    assert len(shown) == final["live"] + final["ended"] >= 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board .card svg.spark")) == len(shown)
    assert browser.find_elements(By.CSS_SELECTOR, "#board .card svg.spark polyline")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board .langs .chip")) >= len(shown)
    lifecycle = " ".join(_texts(browser, "#board .lifecycle-list"))
    assert "emerged" in lifecycle and "updated" in lifecycle
    stories = browser.find_elements(By.CSS_SELECTOR, "#board .story")
    assert stories and len(stories) == len(final["stories"])

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert datetime.now().timestamp() - SCREENSHOT.stat().st_mtime < 60

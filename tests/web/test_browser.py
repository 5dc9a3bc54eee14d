"""The progress page in a real headless Chromium at a phone's viewport (390×844, DPR 3).

Driven through Debian's chromedriver (scripts/apt/web.txt). A machine without the browser FAILS
these tests: the page's fit on a phone is only proven in a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.centre_cases import PERSONAL_VALUES, open_case
from tests.web.conftest import Site
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.check_code import check_code
from zhanhe_counter.domain.events import EventKind

PHONE_WIDTH, PHONE_HEIGHT = 390, 844
#: Set to a folder to keep the screenshots (docs/screenshots/ holds the committed ones).
SCREENSHOT_DIR = os.environ.get("ZHANHE_SCREENSHOT_DIR")


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or (name if Path(name).exists() else None)
        if found:
            return found
    pytest.fail(
        f"headless browser not found ({', '.join(names)}); install the Debian packages in "
        "scripts/apt/web.txt (chromium, chromium-driver)",
        pytrace=False,
    )


@pytest.fixture
def phone() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "/usr/bin/chromium", "chromium-browser")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--lang=zh-CN"):
        options.add_argument(argument)
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 3.0},
            "userAgent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
        },
    )
    service = Service(executable_path=_binary("chromedriver", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _fits_the_phone(driver: webdriver.Chrome) -> None:
    width = driver.execute_script("return window.innerWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    assert width == PHONE_WIDTH
    assert scroll <= width, f"page is {scroll}px wide on a {width}px phone: it scrolls sideways"
    body = driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 16  # below 16px phones zoom into inputs and text is hard to read


def _shoot(driver: webdriver.Chrome, tmp_path: Path, name: str) -> Path:
    target = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    # The whole page, not just the first screen: the phone's width, the page's height.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": PHONE_WIDTH, "deviceScaleFactor": 2, "mobile": True}
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "height": max(PHONE_HEIGHT, height)}
    )
    assert driver.save_screenshot(str(path))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "height": PHONE_HEIGHT}
    )
    assert path.stat().st_size > 10_000
    return path


def test_form_then_result_on_a_phone(site: Site, phone: webdriver.Chrome, tmp_path: Path) -> None:
    case = open_case(site.central_url, day=date(2026, 11, 30))
    case.step(
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(
            items=[
                payloads.MaterialItem("3", "经营场所使用证明", "须加盖产权单位印章"),
                payloads.MaterialItem("5", "全体投资人身份证明复印件", None),
            ],
            deadline=date(2026, 12, 8),
        ).to_payload(),
    )
    phone.get(site.server.base + "/q")
    _fits_the_phone(phone)
    button = phone.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert button.size["height"] >= 44  # a thumb-sized target
    _shoot(phone, tmp_path, "progress-form-phone.png")

    # The applicant types the number as grouped on paper, and the code in lower case.
    phone.find_element(By.ID, "no").send_keys(f"{case.number[:6]} {case.number[6:]}")
    code = check_code(site.source.check_key(), case.number)
    phone.find_element(By.ID, "c").send_keys(code.lower())
    phone.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # The click starts a navigation; wait for the result page (a loaded machine is slow).
    try:
        status = WebDriverWait(phone, 30).until(
            expected_conditions.presence_of_element_located((By.ID, "status"))
        )
    except TimeoutException:
        pytest.fail(f"no result page after submitting; the page says: {phone.page_source[:2000]}")
    assert status.text == "待补正材料"
    assert status.is_displayed()
    missing = phone.find_element(By.ID, "missing").text
    assert "经营场所使用证明" in missing
    assert "全体投资人身份证明复印件" in missing
    assert phone.find_element(By.ID, "missing-due").text == "请于2026年12月8日前补齐"
    assert "欧阳**" in phone.page_source
    for value in PERSONAL_VALUES:
        assert value not in phone.page_source
    _fits_the_phone(phone)
    _shoot(phone, tmp_path, "progress-phone.png")


def test_a_refused_lookup_is_readable_on_a_phone(
    site: Site, phone: webdriver.Chrome, tmp_path: Path
) -> None:
    case = open_case(site.central_url, day=date(2026, 11, 30))
    phone.get(f"{site.server.base}/q?no={case.number}&c=ZZZZZZ")
    alert = phone.find_element(By.CSS_SELECTOR, "[role=alert]")
    assert "编号或查询码不正确" in alert.text
    assert alert.is_displayed()
    # The number stays filled in; the wrong code does not.
    assert phone.find_element(By.ID, "no").get_attribute("value") == case.number
    assert phone.find_element(By.ID, "c").get_attribute("value") == ""
    _fits_the_phone(phone)

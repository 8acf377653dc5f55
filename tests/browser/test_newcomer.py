"""A newcomer's whole first day (issue 18's first acceptance point), in Chromium, on a fresh
database after `learncity demo`: the city administrator signs in with the printed demo
password and lands on the staff home; invites an institution staff member, who opens
enrolment on today's class; a citizen signs up, searches by district through the form,
applies, sees the next session on the application and checks in at the kiosk for today's
session; the instructor sees it on the roster; completion adds the course to the record.
axe-core finds no serious or critical violation on any page visited, in Korean and in
English.

The fresh database is a SQLite file of this module's own: `learncity migrate`, then
`learncity demo --synthetic --json` (the real command: its printed passwords are the ones
used), then `learncity serve` on it. Nothing of the test world is touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.live_server import production_environment

from .conftest import DESKTOP, _free_port, _wait_until_up
from .test_portal import axe_violations, describe
from .test_staff import local_minute

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Hangeul-Saebom-77!"
CLASS = "한글교실 (성인문해)"  # meets today, now; its enrolment is for the staff to open
DISTRICT = "9931000000"  # 솔내군 of the demo city, where the class meets


@dataclass
class Demo:
    url: str
    database: Path
    env: dict[str, str]
    accounts: dict[str, str]  # user name -> printed password
    institution_ids: list[int]
    visited: list[tuple[str, str]] = field(default_factory=list)  # (who, path) seen
    names: dict[int, str] = field(default_factory=dict)  # the person of each page

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "learncity", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the fresh database (the test's own file) to find ids the pages do not show."""
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(sql, params).fetchall())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("newcomer-home")
    database = home / "fresh.sqlite3"
    port = _free_port()
    env = {
        **os.environ,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_DATABASE_URL": f"sqlite:///{database}",
        "LEARNCITY_API_RATE": "100000",
        # as an operator deploys it: DEBUG off, the public URL and a key file, which
        # `learncity migrate` registers
        **production_environment(home, f"http://127.0.0.1:{port}"),
    }
    made = Demo("", database, env, {}, [])
    made.run("migrate")
    printed = json.loads(made.run("demo", "--synthetic", "--json").strip().splitlines()[-1])
    made.accounts = {a["username"]: a["password"] for a in printed["accounts"]}
    made.institution_ids = printed["institution_ids"]
    log = home / "serve.log"
    command = [sys.executable, "-m", "learncity", "serve", "--port", str(port), "--workers", "1"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        made.url = f"http://127.0.0.1:{port}"
        assert _wait_until_up(made.url, server, log)["status"] == "ready"
        yield made
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def own_browser(chromium: str) -> Iterator[Any]:
    """Chromium for this module alone: the day needs no test world (nor its server), only
    the fresh database (see the `browser` fixture of conftest.py for the asyncio note)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def person(own_browser: Any, demo: Demo) -> Iterator[Callable[[str], Any]]:
    """A fresh browser context (its own cookies) per person, named; no 5xx, no script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(name: str) -> Any:
        context = own_browser.new_context(
            viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul"
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{name} JavaScript: {error}"))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{name}: {r.status} from {r.url}") if r.status >= 500 else None
            ),
        )
        demo.names[id(page)] = name
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"the pages went wrong: {errors}"


def checked(demo: Demo, page: Any, what: str) -> None:
    """axe-core on the page as it is now (Korean); the page is seen again in English at the
    end of the day."""
    serious = [v for v in axe_violations(page) if v["impact"] in {"serious", "critical"}]
    assert not serious, f"axe-core on {what} (ko):\n" + describe(serious)
    seen = (demo.names[id(page)], page.url.removeprefix(demo.url))
    if seen not in demo.visited:
        demo.visited.append(seen)


def sign_in(demo: Demo, page: Any, username: str, password: str) -> None:
    page.goto(demo.url + "/accounts/login")
    page.get_by_label("아이디 (필수)").fill(username)
    page.get_by_label("비밀번호 (필수)").fill(password)
    page.get_by_role("button", name="로그인", exact=True).click()


def test_a_newcomers_whole_day(person: Callable[[str], Any], demo: Demo) -> None:
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=9))).date()

    # 1. the city administrator, with the password `learncity demo` printed: the staff home
    admin = person("admin")
    sign_in(demo, admin, "demo-city-admin", demo.accounts["demo-city-admin"])
    admin.wait_for_url(re.compile(r"/staff/home$"))
    expect(admin.get_by_test_id("staff-home")).to_be_visible()
    expect(admin.get_by_test_id("demo-banner")).to_be_visible()
    checked(demo, admin, "the staff home")

    # 2. an institution staff member invited by e-mail (the link also shown to the admin)
    admin.goto(demo.url + "/staff/people")
    checked(demo, admin, "staff and roles")
    form = admin.get_by_test_id("role-form")
    form.locator("input[name=action][value=invite]").check()
    form.locator("#id_email").fill("newcomer@example.kr")
    form.locator("#id_role").select_option("institution_staff")
    form.locator("#id_institution").select_option(str(demo.institution_ids[3]))
    form.get_by_role("button", name="보내기").click()
    link = admin.get_by_test_id("invitation-link").locator("code").inner_text().strip()
    assert "/accounts/invitation/" in link, link

    staff = person("staff")
    staff.goto(link if link.startswith("http") else demo.url + link)
    checked(demo, staff, "the invitation")
    staff.locator("input[name=username]").fill("newcomer-staff")
    staff.locator("input[name=password1]").fill(PASSWORD)
    staff.locator("input[name=password2]").fill(PASSWORD)
    staff.get_by_role("button", name="계정 만들고 수락").click()
    staff.wait_for_url(re.compile(r"/staff/home$"))
    expect(staff.get_by_test_id("messages")).to_contain_text("직원 역할을 받았습니다")

    # 3. who opens enrolment on today's class
    staff.goto(demo.url + "/staff/offers")
    staff.get_by_role("link", name="새 수강신청 열기").first.click()
    staff.get_by_label("강좌 이름").fill(CLASS)
    staff.get_by_role("button", name="찾기").click()
    checked(demo, staff, "the schedule picker")
    staff.get_by_role("link", name=re.compile(re.escape(f"수강신청 열기: {CLASS} ("))).click()
    schedule_id = int(staff.get_by_test_id("schedule-id").inner_text())
    checked(demo, staff, "the form that opens an offer")
    staff.get_by_label("정원 (필수)").fill("10")
    staff.get_by_label("신청 시작 (필수)").fill(local_minute(now - dt.timedelta(hours=1)))
    staff.get_by_label("신청 마감 (필수)").fill(local_minute(now + dt.timedelta(days=3)))
    staff.get_by_label("선착순", exact=True).check()
    staff.get_by_test_id("open-offer").click()
    expect(staff.get_by_test_id("messages")).to_contain_text("수강신청을 열었습니다")
    checked(demo, staff, "the offer just opened")

    # 4. a citizen signs up, searches by district through the form, applies
    citizen = person("citizen")
    citizen.goto(demo.url + "/search")
    checked(demo, citizen, "the search page")
    citizen.get_by_test_id("district").select_option(DISTRICT)
    citizen.locator("#search-form button[type=submit]").first.click()
    citizen.wait_for_url(re.compile(r"district="))
    result = citizen.get_by_role("link", name=CLASS, exact=True)
    expect(result).to_be_visible()
    checked(demo, citizen, "search results by district")
    result.click()
    programme = citizen.url.removeprefix(demo.url)
    expect(citizen.get_by_test_id("registration")).to_have_attribute("data-state", "open")
    checked(demo, citizen, "the programme page")
    venue_path = citizen.locator("a[href^='/venues/']").first.get_attribute("href")
    citizen.goto(f"{demo.url}/accounts/signup?next={programme}")
    checked(demo, citizen, "sign-up")
    # the number first: a code goes to it by SMS (read here from the outbox, where it waits
    # until `learncity outbox send`)
    citizen.get_by_label("휴대전화 번호 (필수)").fill("010-7777-0101")
    citizen.get_by_role("button", name="인증번호 받기").click()
    expect(citizen.get_by_test_id("code-sent")).to_be_visible()
    checked(demo, citizen, "sign-up's second step")
    [(body,)] = demo.rows(
        "SELECT body FROM notifications_outboxmessage WHERE kind = 'phone_code'"
        " AND recipient = ? ORDER BY id DESC LIMIT 1",
        "01077770101",
    )
    code = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", body).group(0)
    citizen.get_by_label("인증번호 (필수)").fill(code)
    citizen.get_by_label("아이디 (필수)").fill("newcomer-citizen")
    citizen.get_by_label("비밀번호 (필수)", exact=True).fill(PASSWORD)
    citizen.get_by_label("비밀번호 확인 (필수)").fill(PASSWORD)
    citizen.get_by_label("이름 (필수)").fill("이새봄")
    citizen.get_by_label("태어난 해 (필수)").fill("1956")
    citizen.get_by_label("서비스 이용과 개인정보 처리에 동의합니다").check()
    citizen.get_by_role("button", name="가입하기").click()
    citizen.wait_for_url(re.compile(re.escape(programme) + "$"))
    citizen.get_by_test_id("apply").click()
    expect(citizen.get_by_test_id("messages")).to_contain_text("수강이 확정되었습니다")

    # 5. the next session on the application: today, at the venue
    citizen.goto(demo.url + "/me/applications")
    card = citizen.locator(".applications li.card", has_text=CLASS)
    expect(card.get_by_test_id("next-session")).to_contain_text(today.isoformat())
    token = card.get_by_test_id("code-text").inner_text().replace(" ", "")
    checked(demo, citizen, "my applications")

    # 6. the kiosk at the venue, run by the institution's staff member: checked in
    staff.goto(demo.url + venue_path.replace("/venues/", "/kiosk/"))
    box = staff.get_by_test_id("scan-input")
    expect(box).to_be_focused()
    staff.keyboard.type(token)
    staff.keyboard.press("Enter")
    kiosk_result = staff.get_by_test_id("kiosk-result")
    expect(kiosk_result).to_have_attribute("data-code", "checked_in")
    expect(kiosk_result.get_by_test_id("result-title")).to_have_text(CLASS)
    checked(demo, staff, "the kiosk")

    # 7. the instructor's roster: today's session, the citizen checked in by QR
    instructor = person("instructor")
    sign_in(demo, instructor, "demo-instructor", demo.accounts["demo-instructor"])
    instructor.wait_for_url(re.compile(r"/staff/home$"))
    instructor.goto(demo.url + "/staff/sessions")
    checked(demo, instructor, "today's sessions")
    instructor.locator("[data-testid^=session-]", has_text=CLASS).get_by_role("link").first.click()
    todays_roster = instructor.url
    row = instructor.locator("[data-testid^=learner-]", has_text="이새봄")
    expect(row.get_by_test_id("mark")).to_contain_text("QR")
    checked(demo, instructor, "the roster")
    # the sessions already held this term, marked by hand from their rosters
    held = demo.rows(
        "SELECT id FROM catalog_session WHERE schedule_id = ? AND date < ? ORDER BY date",
        schedule_id,
        today.isoformat(),
    )
    for (session_id,) in held:
        instructor.goto(f"{demo.url}/staff/sessions/{session_id}")
        instructor.get_by_role("button", name="출석: 이새봄").click()
        expect(instructor.get_by_test_id("messages")).to_contain_text("출석(으)로 기록했습니다")

    # 8. completion (the staff member, from today's roster), then the daily record job
    staff.goto(todays_roster)
    staff.get_by_role("button", name="수료 판정 실행").click()
    expect(staff.get_by_test_id("messages")).to_contain_text("(새로 1명)")
    demo.run("records", "sync")
    citizen.goto(demo.url + "/me/record")
    expect(citizen.locator("main")).to_contain_text(CLASS)
    checked(demo, citizen, "my learning record")

    # 9. every page seen today, in English: no serious or critical violation either (every
    # page is looked at before the verdict, so that one run lists them all)
    pages = {"admin": admin, "staff": staff, "citizen": citizen, "instructor": instructor}
    problems: list[str] = []
    for who, path in demo.visited:
        page = pages[who]
        glue = "&" if "?" in path else "?"
        page.goto(f"{demo.url}{path}{glue}lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        serious = [v for v in axe_violations(page) if v["impact"] in {"serious", "critical"}]
        if serious:
            problems.append(f"axe-core on {path} (en, {who}):\n" + describe(serious))
    assert not problems, "\n".join(problems)
    assert len(demo.visited) >= 12
    with urllib.request.urlopen(demo.url + "/healthz", timeout=5) as answer:
        assert json.load(answer)["status"] == "ready"

"""Check-in when the centre's network is gone or slow: a tablet (820x1180) keeps going.

The page is kept by a service worker, taps go into a queue in IndexedDB and are shown
at once, and the queue is sent when the network is back (each tap applied once).
127.0.0.1 is a secure context, so the service worker runs on the live server.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from tests.browser import data
from tests.browser.conftest import TABLET, login, playwright_api, unique_name
from tests.browser.test_checkin import all_sent

pytestmark = pytest.mark.browser

#: Every request waits this long: 20 times the 100 ms a tap may take to show.
DELAY_MS = 2000
#: Installed before a tap: records how long after the click its row shows "checked in".
MEASURE_TAPS = """() => {
  window.__tapLatency = [];
  document.addEventListener("click", (event) => {
    const row = event.target.closest("li[data-person-id]");
    if (!row) return;
    const started = performance.now();
    new MutationObserver((changes, observer) => {
      if (row.classList.contains("list-group-item-success")) {
        window.__tapLatency.push(performance.now() - started);
        observer.disconnect();
      }
    }).observe(row, { attributes: true, subtree: true });
  }, true);
}"""


def _session(live_server: Any, count: int) -> data.SessionToday:
    names = [unique_name("Frakoblet") for _ in range(count)]
    return live_server.run(lambda: data.session_today(names))


def _open_at_the_door(open_page: Any, session: data.SessionToday) -> Any:
    """A tablet logged in as staff with the session open, ready to work offline."""
    page = open_page(TABLET)
    login(page, "staff")
    page.goto(f"/checkin/sessions/{session.session_id}")
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null"
        " && document.getElementById('checkin-sync').dataset.offlineReady === '1'"
    )
    return page


def _checked_in(page: Any, person_id: int) -> bool:
    return "list-group-item-success" in (
        page.locator(f"#p-{person_id}").get_attribute("class") or ""
    )


def _people_checked_in(session_id: int, person_ids: list[int]) -> int:
    from rekruttering.extensions import db
    from rekruttering.models import Attendance

    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session_id, Attendance.person_id.in_(person_ids))
    )


def test_offline_taps_and_a_walk_in_survive_a_reload_and_are_sent_once(
    open_page: Any, live_server: Any, shoot: Any
) -> None:
    """Offline: five taps and a walk-in, a reload, then online: five check-ins, one new person."""
    session = _session(live_server, 6)
    ids = list(session.people.values())
    five = ids[:5]
    page = _open_at_the_door(open_page, session)
    page.context.set_offline(True)
    for person_id in five:
        page.click(f"#p-{person_id} form.js-tap button")
        assert _checked_in(page, person_id)
    walk_in = unique_name("Gjest")
    page.click("details summary")
    page.fill("form.js-walk-in input[name=first_name]", walk_in)
    page.fill("form.js-walk-in input[name=last_name]", "Uanmeldt")
    page.click("form.js-walk-in [type=submit]")
    assert page.locator(f"#checkin-list li:has-text('{walk_in}')").count() == 1
    assert page.get_attribute("#checkin-sync", "data-pending") == "6"

    page.reload()  # still offline: the service worker gives today's copy
    page.wait_for_function("() => document.getElementById('checkin-sync').dataset.pending")
    for person_id in five:
        assert _checked_in(page, person_id), f"{person_id} lost at the offline reload"
    assert not _checked_in(page, ids[5])
    assert page.locator(f"#checkin-list li:has-text('{walk_in}')").count() == 1
    assert "6" in page.inner_text("#checkin-sync")
    assert live_server.run(lambda: data.attendance_count(session.session_id)) == 0
    shoot(page, "checkin-offline", sizes=("tablet",))

    page.context.set_offline(False)
    all_sent(page)
    assert page.inner_text("#checkin-sync") in ("Alt er sendt.", "All sent.")
    assert live_server.run(lambda: _people_checked_in(session.session_id, five)) == 5
    assert live_server.run(lambda: data.attendance_count(session.session_id)) == 6  # + walk-in
    assert live_server.run(lambda: data.people_named(walk_in)) == 1
    # A second reload, online, shows the server's list: the same five and the walk-in.
    page.reload()
    for person_id in five:
        assert _checked_in(page, person_id)
    assert page.locator(f"#checkin-list li:has-text('{walk_in}')").count() == 1


def test_taps_show_at_once_when_every_request_takes_two_seconds(
    open_page: Any, live_server: Any
) -> None:
    """A slow network never holds up a tap: the row changes within 100 ms of the click."""
    session = _session(live_server, 3)
    ids = list(session.people.values())
    page = _open_at_the_door(open_page, session)

    def slow(route: Any) -> None:
        page.wait_for_timeout(DELAY_MS)  # lets Playwright run on while this request waits
        with contextlib.suppress(playwright_api.Error):  # the page went away meanwhile
            route.continue_()

    page.context.route("**/*", slow)
    page.evaluate(MEASURE_TAPS)
    for person_id in ids:
        page.click(f"#p-{person_id} form.js-tap button")
        assert _checked_in(page, person_id)
    latencies = page.evaluate("window.__tapLatency")
    assert len(latencies) == 3 and max(latencies) < 100, latencies
    assert "3" in page.inner_text("#checkin-sync")  # waiting, while the request is under way
    all_sent(page)  # after the slow answer
    page.context.unroute("**/*", slow)
    assert live_server.run(lambda: data.attendance_count(session.session_id)) == 3


def test_two_tablets_tapping_the_same_person_offline_make_one_check_in(
    open_page: Any, live_server: Any
) -> None:
    session = _session(live_server, 2)
    person_id = next(iter(session.people.values()))
    tablets = [_open_at_the_door(open_page, session) for _ in range(2)]
    for tablet in tablets:
        tablet.context.set_offline(True)
        tablet.click(f"#p-{person_id} form.js-tap button")
        assert _checked_in(tablet, person_id)
    for tablet in tablets:
        tablet.context.set_offline(False)
    for tablet in tablets:
        all_sent(tablet)
        assert _checked_in(tablet, person_id)
    assert live_server.run(lambda: data.attendance_count(session.session_id)) == 1


def test_a_tablet_with_the_wrong_date_says_so_instead_of_reloading_for_ever(
    open_page: Any, live_server: Any
) -> None:
    """A page of another day sends the tablet back to the start page, once: when the
    server's own page is of another day too, the tablet's date is wrong, and it says so."""
    page = open_page(TABLET, page_clock=False)
    page.context.clock.install(time=utcnow() + timedelta(days=3))
    login(page, "staff")
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.goto("/checkin/")
    page.wait_for_function(
        "() => document.getElementById('checkin-sync').classList.contains('text-warning-emphasis')"
    )
    status = page.inner_text("#checkin-sync")
    assert "annen dato enn serveren" in status or "another date than the server" in status
    page.wait_for_timeout(1000)  # long enough for a few more loads, were it looping
    assert len(loads) == 2, loads  # the page, and the start page once more
    assert page.evaluate(CACHED_PAGES) == []  # nothing kept for a day that is not today


CACHED_PAGES = "async () => (await caches.keys()).filter((n) => n.startsWith('checkin-pages-'))"
STORED_TAPS = """() => new Promise((resolve) => {
  const open = indexedDB.open("rekruttering-checkin", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("taps", { keyPath: "id" });
  open.onsuccess = () => {
    const all = open.result.transaction("taps").objectStore("taps").getAll();
    all.onsuccess = () => { open.result.close(); resolve(all.result.length); };
  };
})"""


def test_logout_clears_what_the_tablet_kept(open_page: Any, live_server: Any) -> None:
    """Logging out (after a warning about unsent taps) removes the pages, queue and worker."""
    session = _session(live_server, 1)
    person_id = next(iter(session.people.values()))
    page = _open_at_the_door(open_page, session)
    assert page.evaluate(CACHED_PAGES) == [f"checkin-pages-{_oslo_day(live_server)}"]
    page.context.set_offline(True)
    page.click(f"#p-{person_id} form.js-tap button")
    assert page.evaluate(STORED_TAPS) == 1
    page.context.set_offline(False)
    with page.expect_navigation():
        page.click("form[action$='/logout'] [type=submit]")
    assert "/login" in page.url
    assert page.evaluate(CACHED_PAGES) == []
    assert page.evaluate(STORED_TAPS) == 0
    assert (
        page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    )


def test_a_login_that_no_longer_works_removes_todays_lists(
    open_page: Any, live_server: Any
) -> None:
    """Logged out elsewhere (timed out, the tablet's login revoked): the lists go on load."""
    session = _session(live_server, 1)
    page = _open_at_the_door(open_page, session)
    assert page.evaluate(CACHED_PAGES)
    page.context.clear_cookies()
    page.goto(f"/checkin/sessions/{session.session_id}")
    assert "/login" in page.url
    # The worker drops them as it passes the login page on; give it a moment to finish.
    for _ in range(50):
        if page.evaluate(CACHED_PAGES) == []:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(CACHED_PAGES) == []


def _oslo_day(live_server: Any) -> str:
    from rekruttering.domain.clock import oslo_today

    return oslo_today().isoformat()


CACHED_ASSETS = """async () => (await (await caches.open('checkin-assets')).keys())
  .map((request) => new URL(request.url)).map((url) => url.pathname + url.search)"""


def test_a_new_version_of_a_file_replaces_the_old_one_in_the_tablets_copy(
    open_page: Any, live_server: Any
) -> None:
    """Files are kept under their fingerprinted URL; a deploy gives a file a new one, and
    the copy kept under the old fingerprint goes when the new one is kept."""
    session = _session(live_server, 1)
    page = _open_at_the_door(open_page, session)
    script = next(u for u in page.evaluate(CACHED_ASSETS) if u.startswith("/static/checkin.js"))
    path = script.split("?", 1)[0]
    # The copy an earlier version of the app left behind, and another file's.
    page.evaluate(
        """async (path) => {
      const cache = await caches.open('checkin-assets');
      await cache.put(path + '?v=000000000000', new Response('// old'));
      await cache.put('/static/kept-elsewhere.js?v=000000000000', new Response('// other'));
    }""",
        path,
    )
    page.reload()  # through the worker: the current checkin.js is fetched and kept again
    for _ in range(50):
        if f"{path}?v=000000000000" not in page.evaluate(CACHED_ASSETS):
            break
        page.wait_for_timeout(100)
    kept = page.evaluate(CACHED_ASSETS)
    assert f"{path}?v=000000000000" not in kept
    assert script in kept
    assert "/static/kept-elsewhere.js?v=000000000000" in kept  # another file: not touched

// Check-in page: filter the list while typing, and keep checking people in when the
// centre's network is slow or gone. Every form works without this file.
//
// On today's pages a tap, an undo or a walk-in shows at once and goes into a queue in
// IndexedDB (an id made here, the time of the tap); the queue is posted to the sync
// endpoint whenever there is a network, and the server applies each id once. A service
// worker (checkin-sw.js) keeps today's pages and their files for reloading offline.
// Sent entries of past days are removed on load; logout clears everything (the server
// sends Clear-Site-Data). See docs/features/activities-and-checkin.md.
"use strict";

(() => {
  const DB_NAME = "rekruttering-checkin";
  const STORE = "taps";
  const PAGES = "checkin-pages-";
  const ASSETS = "checkin-assets";
  const BATCH = 100;
  // After a failed send: try again in 1 s, then twice as long each time, up to 15 s (the
  // browser says "online" a moment before a network works; a long outage costs little).
  const FIRST_RETRY_MS = 1000;
  const RETRY_MS = 15000;
  // Sent back to the start page for a copy of another day, at this time (tablet's clock).
  const SENT_BACK = "rekruttering-checkin-sent-back";
  const SENT_BACK_MS = 60000;

  const osloDay = (when = new Date()) =>
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Europe/Oslo", year: "numeric", month: "2-digit", day: "2-digit",
    }).format(when);

  // --- the queue in IndexedDB (and a copy in memory) -----------------------------------

  let database = null;
  function openDb() {
    if (!database) {
      database = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
        request.onsuccess = () => {
          request.result.onversionchange = () => { request.result.close(); database = null; };
          resolve(request.result);
        };
        request.onerror = () => reject(request.error);
      });
    }
    return database;
  }

  async function inStore(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  let entries = [];
  const save = (entry) => inStore("readwrite", (store) => store.put(entry));
  async function forget(keep) {
    const gone = entries.filter((entry) => !keep(entry));
    entries = entries.filter(keep);
    for (const entry of gone) await inStore("readwrite", (store) => store.delete(entry.id));
  }
  const pending = () => entries.filter((entry) => entry.state === "pending");

  // --- the page -------------------------------------------------------------------------

  let root, status, list, sessionId, offline;
  let csrf = "";
  let sending = false;
  let retryTimer = null;
  let retryMs = FIRST_RETRY_MS;
  let failure = "";
  let clockWrong = false; // the tablet's date is not the server's (see start)
  const inFlight = new Set();

  const rowFor = (personId) => list && list.querySelector(`li[data-person-id="${personId}"]`);

  function count() {
    const shown = document.querySelector(".js-checked-in-count");
    const listed = document.querySelector(".js-listed-count");
    if (shown && list && !new URLSearchParams(location.search).get("q")) {
      // A long list is shown a page at a time: the server says what the other pages hold.
      const elsewhere = (name) => Number(list.dataset[name] || 0);
      shown.textContent =
        elsewhere("checkedInElsewhere") + list.querySelectorAll("li.list-group-item-success").length;
      if (listed) {
        const n = elsewhere("listedElsewhere") + list.children.length;
        listed.textContent = listed.dataset.text.replace("{n}", n);
      }
    }
  }

  function mark(row, checkedIn) {
    row.classList.toggle("list-group-item-success", checkedIn);
    row.querySelectorAll(".js-checked, form.js-undo").forEach((el) => { el.hidden = !checkedIn; });
    row.querySelectorAll("form.js-tap").forEach((el) => { el.hidden = checkedIn; });
    row.querySelectorAll("button").forEach((button) => { button.disabled = false; });
    count();
  }

  function addWalkInRow(entry) {
    const template = document.getElementById("checkin-walk-in-row");
    if (!template || !list) return null;
    const row = template.content.firstElementChild.cloneNode(true);
    row.dataset.entry = entry.id;
    row.dataset.search = entry.name.toLowerCase();
    row.querySelector("div.js-name").textContent = entry.name;
    row.querySelectorAll("span.js-name").forEach((el) => { el.textContent = ` – ${entry.name}`; });
    row.querySelectorAll("input[name=role]").forEach((input) => { input.value = entry.role; });
    setPerson(row, entry.person_id);
    list.append(row);
    list.hidden = false;
    document.querySelectorAll(".js-empty-list").forEach((el) => { el.hidden = true; });
    count();
    return row;
  }

  function setPerson(row, personId) {
    if (!personId) return;
    row.dataset.personId = personId;
    row.querySelectorAll("input[name=person_id]").forEach((input) => { input.value = personId; });
  }

  function showStatus() {
    if (!status) return;
    const data = status.dataset;
    const waiting = pending().length;
    let text = data.allSent;
    if (waiting) {
      text = (waiting === 1 ? data.waitingOne : data.waitingOther).replace("{n}", waiting);
      if (failure) text += `. ${data.failed.replace("{reason}", failure)}`;
    }
    if (clockWrong) text = `${data.clockWrong} ${text}`;
    status.textContent = text;
    status.dataset.pending = String(waiting);
    status.classList.toggle("text-warning-emphasis", waiting > 0 || clockWrong);
    const box = document.querySelector(".js-not-counted");
    if (!box) return;
    const failed = entries.filter((e) => e.state === "failed" && (!sessionId || e.session === sessionId));
    box.querySelector("ul").replaceChildren(...failed.map((entry) => {
      const item = document.createElement("li");
      item.textContent = `${entry.name}: ${entry.message}`;
      return item;
    }));
    box.hidden = failed.length === 0;
  }

  // What is on the device but not yet in the page (a copy from before, or made offline).
  function overlay() {
    const rendered = Date.parse(root.dataset.renderedAt);
    const mine = entries.filter((e) => e.session === sessionId && e.state !== "failed");
    mine.sort((a, b) => a.at.localeCompare(b.at)).forEach((entry) => {
      if (entry.state === "sent" && Date.parse(entry.acked_at) <= rendered) return;
      if (entry.kind === "walk_in") {
        const row = (entry.person_id && rowFor(entry.person_id)) || addWalkInRow(entry);
        if (row) mark(row, true);
        return;
      }
      const row = rowFor(entry.person_id);
      if (row) mark(row, entry.kind === "check_in");
    });
  }

  // --- taps -----------------------------------------------------------------------------

  const newId = () => (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));

  function newEntry(kind, fields) {
    return Object.assign({
      id: newId(), kind, session: sessionId, url: root.dataset.syncUrl, day: root.dataset.day,
      at: new Date().toISOString(), state: "pending",
    }, fields);
  }

  async function queue(entry) {
    entries.push(entry);
    showStatus();
    await save(entry);
    send();
  }

  // A queued entry not sent yet that the new tap cancels (a tap, then undo at once).
  const unsent = (test) => entries.find((e) => e.state === "pending" && !inFlight.has(e.id)
    && e.session === sessionId && test(e));

  async function tap(form, checkIn) {
    const row = form.closest("li");
    const personId = Number(form.elements.person_id.value) || null;
    const name = row.querySelector(".fs-5").textContent.trim();
    mark(row, checkIn); // feedback first, before any storage or network
    const next = row.querySelector(checkIn ? "form.js-undo button" : "form.js-tap button");
    if (next) next.focus();
    const cancels = unsent((e) => (checkIn
      ? e.kind === "undo" && e.person_id === personId
      : (e.kind === "check_in" && e.person_id === personId) || e.id === row.dataset.entry));
    if (cancels) {
      if (cancels.kind === "walk_in") row.remove();
      await forget((e) => e !== cancels);
      showStatus();
      count();
      return;
    }
    if (!personId) { mark(row, true); return; } // a walk-in being sent: undo after the answer
    await queue(newEntry(checkIn ? "check_in" : "undo", {
      person_id: personId, role: form.elements.role.value, name,
    }));
  }

  async function walkIn(form) {
    const fields = form.elements;
    const first = fields.first_name.value.trim();
    if (!first) {
      fields.first_name.classList.add("is-invalid");
      fields.first_name.focus();
      return;
    }
    fields.first_name.classList.remove("is-invalid");
    const last = fields.last_name.value.trim();
    const entry = newEntry("walk_in", {
      first_name: first, last_name: last, phone: fields.phone.value.trim(),
      language: fields.language.value, role: fields.role.value, name: `${first} ${last}`.trim(),
    });
    addWalkInRow(entry);
    form.reset();
    const details = form.closest("details");
    if (details) details.open = false;
    await queue(entry);
  }

  function onSubmit(event) {
    const form = event.target;
    if (!offline || !(form instanceof HTMLFormElement) || !form.closest("main")) return;
    const kind = ["js-tap", "js-undo", "js-walk-in"].find((name) => form.classList.contains(name));
    if (!kind) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // app.js would disable the buttons
    if (kind === "js-walk-in") walkIn(form);
    else tap(form, kind === "js-tap");
  }

  // --- sending ------------------------------------------------------------------------

  const problem = (reason) => Object.assign(new Error(reason), { reason });
  const isJson = (response) => (response.headers.get("Content-Type") || "").includes("json");
  const loggedOut = (response) => response.status === 401 || response.status === 403
    || (response.redirected && !new URL(response.url).pathname.startsWith(root.dataset.indexUrl));

  function wire(entry) {
    const fields = { id: entry.id, kind: entry.kind, at: entry.at, role: entry.role };
    if (entry.kind !== "walk_in") return Object.assign(fields, { person_id: entry.person_id });
    return Object.assign(fields, {
      first_name: entry.first_name, last_name: entry.last_name,
      phone: entry.phone, language: entry.language,
    });
  }

  const post = (url, batch) => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ taps: batch.map(wire) }),
  });

  // The form token of a page kept from an earlier login is refused: take a fresh one.
  async function refreshToken() {
    const response = await fetch(root.dataset.indexUrl, { credentials: "same-origin" });
    if (loggedOut(response)) return response;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const input = page.querySelector("input[name=csrf_token]");
    if (input) csrf = input.value;
    return input ? null : response;
  }

  // Logged out or the login revoked: today's lists go; what is not sent waits for a login.
  async function forgetLists() {
    if (window.caches) {
      for (const name of await caches.keys()) if (name.startsWith(PAGES)) await caches.delete(name);
    }
    await forget((entry) => entry.state === "pending");
  }

  async function settle(result, now) {
    const entry = entries.find((e) => e.id === result.id);
    if (!entry || result.outcome === "retry") return;
    const row = entry.kind === "walk_in"
      ? list && list.querySelector(`li[data-entry="${entry.id}"]`)
      : rowFor(entry.person_id);
    if (result.outcome === "dropped" || result.outcome === "refused") {
      entry.state = "failed";
      entry.message = result.message;
      if (row && entry.kind === "walk_in") row.remove();
      else if (row) mark(row, entry.kind === "undo");
    } else {
      entry.state = "sent";
      entry.acked_at = now;
      if (result.person_id) entry.person_id = result.person_id;
      if (row && entry.kind === "walk_in") setPerson(row, result.person_id);
    }
    delete entry.phone; // once sent, only what the page shows stays
    await save(entry);
  }

  async function sendBatch(url, batch) {
    batch.forEach((entry) => inFlight.add(entry.id));
    try {
      let response = await post(url, batch);
      if (response.status === 400 && !isJson(response)) { // the form token: once more
        response = (await refreshToken()) || await post(url, batch);
      }
      if (loggedOut(response)) {
        await forgetLists();
        throw problem(status.dataset.loggedOut);
      }
      if (response.status === 400 && isJson(response)) { // a queue the server cannot read
        const { error } = await response.json();
        for (const entry of batch) await settle({ id: entry.id, outcome: "refused", message: error });
        return;
      }
      if (!response.ok || !isJson(response)) {
        throw problem(status.dataset.server.replace("{status}", response.status));
      }
      const body = await response.json();
      for (const result of body.results) await settle(result, body.now);
    } finally {
      batch.forEach((entry) => inFlight.delete(entry.id));
    }
  }

  async function send() {
    if (sending || !pending().length) { showStatus(); return; }
    sending = true;
    const tried = new Set(pending().map((entry) => entry.id));
    try {
      const byUrl = new Map();
      pending().forEach((entry) => byUrl.set(entry.url, [...(byUrl.get(entry.url) || []), entry]));
      for (const [url, group] of byUrl) {
        for (let i = 0; i < group.length; i += BATCH) await sendBatch(url, group.slice(i, i + BATCH));
      }
      failure = "";
    } catch (err) {
      failure = err.reason || status.dataset.noNetwork;
    } finally {
      sending = false;
      showStatus();
      clearTimeout(retryTimer);
      // Taps made while this pass was under way go at once when it went well; what
      // failed (or is still waiting after an answer) is tried again later.
      const fresh = pending().some((entry) => !tried.has(entry.id));
      if (!failure) retryMs = FIRST_RETRY_MS;
      if (fresh && !failure) {
        retryTimer = setTimeout(send, 0);
      } else if (pending().length) {
        retryTimer = setTimeout(send, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MS);
      }
    }
  }

  // --- the device copy ------------------------------------------------------------------

  async function forgetOtherDays() {
    const today = osloDay();
    await forget((entry) => entry.state === "pending" || entry.day === today);
    if (!window.caches) return;
    for (const name of await caches.keys()) {
      if (name.startsWith(PAGES) && name !== PAGES + today) await caches.delete(name);
    }
  }

  async function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    const worker = navigator.serviceWorker;
    await worker.register(root.dataset.workerUrl, { scope: root.dataset.indexUrl });
    const first = !worker.controller; // this load did not pass through the worker
    if (first) {
      const files = [...document.querySelectorAll("link[rel=stylesheet][href], script[src]")];
      await (await caches.open(ASSETS)).addAll(files.map((el) => el.href || el.src));
    }
    const today = osloDay();
    if (root.dataset.day === today) {
      const pages = [...document.querySelectorAll("a.js-offline-page")].map((a) => a.href);
      if (first) pages.push(location.pathname);
      const cache = await caches.open(PAGES + today);
      await Promise.all(pages.map((url) => cache.add(url).catch(() => null)));
    }
    await worker.ready;
    if (!worker.controller) {
      await new Promise((resolve) => {
        worker.addEventListener("controllerchange", resolve, { once: true });
        setTimeout(resolve, 5000);
      });
    }
    status.dataset.offlineReady = "1";
  }

  async function checkLogin() {
    if (!navigator.onLine) return;
    try {
      const response = await fetch(root.dataset.indexUrl, { method: "HEAD", credentials: "same-origin" });
      if (loggedOut(response)) await forgetLists();
    } catch (err) {
      // no network: nothing to learn now
    }
  }

  async function start() {
    root = document.getElementById("checkin-offline");
    status = document.getElementById("checkin-sync");
    if (!root || !status || !window.indexedDB) return;
    list = document.getElementById("checkin-list");
    sessionId = Number(root.dataset.sessionId) || null;
    csrf = (document.querySelector("main input[name=csrf_token]") || {}).value || "";
    const today = osloDay();
    if (root.dataset.renderedAt && osloDay(new Date(root.dataset.renderedAt)) !== today) {
      const sentBack = Number(sessionStorage.getItem(SENT_BACK));
      if (!(sentBack && Math.abs(Date.now() - sentBack) < SENT_BACK_MS)) {
        // A copy kept from another day (the tablet was offline at midnight): not today's.
        sessionStorage.setItem(SENT_BACK, String(Date.now()));
        await forgetOtherDays();
        location.replace(root.dataset.indexUrl);
        return;
      }
      // Just sent back, and the server's own page is still of another day: the tablet's
      // date is wrong, and going back again would only repeat this for ever. Say so;
      // nothing is kept for offline use (that needs the tablet's day to be the server's).
      clockWrong = true;
    } else {
      sessionStorage.removeItem(SENT_BACK);
    }
    // Registering a past session from a paper list: the forms post as they always did.
    offline = Boolean(sessionId) && root.dataset.day === today;
    document.addEventListener("submit", onSubmit, true);
    document.querySelectorAll("form[action$='/logout']").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (pending().length && !window.confirm(status.dataset.leave)) event.preventDefault();
      });
    });
    const stored = await inStore("readonly", (store) => store.getAll());
    const early = entries.filter((entry) => !stored.some((s) => s.id === entry.id));
    entries = [...stored, ...early]; // a tap made while the store was being read
    await forgetOtherDays();
    if (sessionId) overlay();
    showStatus();
    window.addEventListener("online", () => { retryMs = FIRST_RETRY_MS; checkLogin(); send(); });
    window.addEventListener("offline", () => { failure = status.dataset.noNetwork; showStatus(); });
    // At midnight today's list is no longer today's.
    setInterval(() => {
      if (osloDay() !== today) forgetOtherDays().then(() => location.assign(root.dataset.indexUrl));
    }, 60000);
    keepForOffline().catch(() => null);
    checkLogin();
    send();
  }

  // --- the list filter ------------------------------------------------------------------

  function filter(input) {
    const target = document.getElementById(input.dataset.target);
    if (!target) return;
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      const digits = input.value.replace(/\D/g, "");
      target.querySelectorAll("li[data-search]").forEach((row) => {
        const text = row.dataset.search;
        const byPhone = digits.length >= 3 && text.replace(/\D/g, "").includes(digits);
        row.hidden = !(byPhone || words.every((w) => text.includes(w)));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input.js-checkin-filter").forEach(filter);
    start();
  });
})();

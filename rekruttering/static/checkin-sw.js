// Service worker of the check-in pages (served as /checkin/sw.js, scope /checkin/).
// It keeps today's check-in pages and the files they use, so a door tablet can open
// and reload them without a network. Taps are not kept here: checkin.js queues them in
// IndexedDB and posts them when it can. See docs/features/activities-and-checkin.md.
"use strict";

const PAGES = "checkin-pages-"; // + the Oslo day; only today's is kept
const ASSETS = "checkin-assets";
const DAY_HEADER = "X-Checkin-Day"; // set by the server on today's check-in pages only
const WAIT_MS = 3000; // a slow network: after this long, today's copy is shown

const scopePath = () => new URL(self.registration.scope).pathname;

// Only one day's pages are kept: the day the server last said is today. (The worker
// does not judge days by its own clock; the page drops another day's copy on load and
// at midnight, by the clock it shows times with.)
async function dropPages(exceptDay) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES) && name !== PAGES + exceptDay) await caches.delete(name);
  }
}

// Logged out, or the tablet's login revoked: the server no longer gives the page.
function refused(response) {
  return response.type === "opaqueredirect" || response.status === 401
    || response.status === 403
    || (response.redirected && !new URL(response.url).pathname.startsWith(scopePath()));
}

async function page(event, url) {
  const key = url.origin + url.pathname;
  const network = fetch(event.request).then(async (response) => {
    const day = response.headers.get(DAY_HEADER);
    if (refused(response)) {
      await dropPages(null);
    } else if (response.ok && !url.search && day) {
      await dropPages(day);
      await (await caches.open(PAGES + day)).put(key, response.clone());
    }
    return response;
  });
  event.waitUntil(network.catch(() => null));
  const days = (await caches.keys()).filter((name) => name.startsWith(PAGES));
  const copy = days.length
    ? await caches.match(key, { ignoreVary: true, cacheName: days[0] }) : undefined;
  if (!copy) return network.catch(() => Response.error());
  const slow = new Promise((resolve) => { setTimeout(resolve, WAIT_MS, copy); });
  return Promise.race([network, slow]).catch(() => copy);
}

// A file's URL carries its content's fingerprint (?v=...): when a new version is kept,
// the copies of the same file under older fingerprints are dropped, so the tablet does
// not keep every version it ever served.
async function keepAsset(cache, request, response) {
  await cache.put(request, response);
  const kept = new URL(request.url);
  for (const old of await cache.keys()) {
    const url = new URL(old.url);
    if (url.pathname === kept.pathname && url.search !== kept.search) await cache.delete(old);
  }
}

async function asset(event) {
  const cache = await caches.open(ASSETS);
  const copy = await cache.match(event.request, { ignoreVary: true });
  const network = fetch(event.request).then((response) => {
    if (response.ok) event.waitUntil(keepAsset(cache, event.request, response.clone()));
    return response;
  });
  if (!copy) return network;
  event.waitUntil(network.catch(() => null)); // refreshed for next time
  return copy;
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (event.request.method !== "GET") {
    // Posts (the queue, the forms) go to the network from here, nothing kept: one
    // gate for all of the page's traffic, so "offline" means the same for all of it.
    if (url.pathname.startsWith(scopePath())) event.respondWith(fetch(event.request));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/bootstrap/")) {
    event.respondWith(asset(event));
  } else if (url.pathname.startsWith(scopePath())) {
    event.respondWith(page(event, url));
  }
});

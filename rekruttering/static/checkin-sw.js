// Service worker of the check-in pages (served as /checkin/sw.js, scope /checkin/).
// It keeps today's check-in pages and the files they use, so a door tablet can open
// and reload them without a network. Taps are not kept here: checkin.js queues them in
// IndexedDB and posts them when it can. See docs/features/activities-and-checkin.md.
"use strict";

const PAGES = "checkin-pages-"; // + the Oslo day; only today's is kept
const ASSETS = "checkin-assets";
const DAY_HEADER = "X-Checkin-Day"; // set by the server on today's check-in pages only
const WAIT_MS = 3000; // a slow network: after this long, today's copy is shown

const osloDay = (when = new Date()) =>
  new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Oslo", year: "numeric", month: "2-digit", day: "2-digit",
  }).format(when);

const scopePath = () => new URL(self.registration.scope).pathname;

async function dropPages(all) {
  const keep = PAGES + osloDay();
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES) && (all || name !== keep)) await caches.delete(name);
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
    if (refused(response)) {
      await dropPages(true);
    } else if (response.ok && !url.search && response.headers.get(DAY_HEADER) === osloDay()) {
      const cache = await caches.open(PAGES + osloDay());
      await cache.put(key, response.clone());
    }
    return response;
  });
  event.waitUntil(network.catch(() => null));
  await dropPages(false); // yesterday's lists go, whatever happens next
  const copy = await caches.match(key, { ignoreVary: true, cacheName: PAGES + osloDay() });
  if (!copy) return network.catch(() => Response.error());
  const slow = new Promise((resolve) => { setTimeout(resolve, WAIT_MS, copy); });
  return Promise.race([network, slow]).catch(() => copy);
}

async function asset(event) {
  const cache = await caches.open(ASSETS);
  const copy = await cache.match(event.request, { ignoreVary: true });
  const network = fetch(event.request).then((response) => {
    if (response.ok) event.waitUntil(cache.put(event.request, response.clone()));
    return response;
  });
  if (!copy) return network;
  event.waitUntil(network.catch(() => null)); // refreshed for next time
  return copy;
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(dropPages(false).then(() => self.clients.claim()));
});

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

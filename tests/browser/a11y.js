// Accessibility basics, run by an init script on every document the browser loads.
// Reports problems to Python through the __a11yReport binding (see conftest.py).
// Checks: every visible form field has a label; exactly one h1; every chart (svg)
// has a text equivalent; images have alt text; buttons have a name; no CSP violations;
// the page has a title without markup in it.
(() => {
  if (window.top !== window) return;
  const report = (problems) => {
    if (typeof window.__a11yReport === "function") {
      window.__a11yReport(location.pathname + location.search, problems);
    }
  };
  const shown = (el) => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const snippet = (el) => el.outerHTML.slice(0, 160);
  const labelText = (el) => {
    const id = el.getAttribute("id");
    if (id && document.querySelector(`label[for="${CSS.escape(id)}"]`)) return true;
    if (el.closest("label")) return true;
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    return ids.some((ref) => (document.getElementById(ref)?.textContent || "").trim());
  };
  window.__a11yCheck = () => {
    const problems = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      const type = (el.getAttribute("type") || "text").toLowerCase();
      if (["hidden", "submit", "button", "reset", "image"].includes(type)) continue;
      if (!shown(el)) continue;
      if (!labelText(el)) problems.push(`form field without a label: ${snippet(el)}`);
    }
    // A page's title names it in the tab and for screen readers: plain words, never markup.
    const title = document.title.trim();
    if (!title) problems.push("the page has no title");
    if (/[<>]/.test(title)) problems.push(`markup in the page title: ${title.slice(0, 160)}`);
    const h1 = document.querySelectorAll("h1");
    if (h1.length !== 1) problems.push(`expected exactly one h1, found ${h1.length}`);
    const tables = document.querySelectorAll("main table").length;
    for (const svg of document.querySelectorAll("svg")) {
      if (svg.parentElement && svg.parentElement.closest("svg")) continue;
      if (!shown(svg)) continue;
      const titled = svg.querySelector(":scope > title, :scope > desc");
      const named =
        (svg.getAttribute("aria-label") || "").trim() || svg.getAttribute("aria-labelledby");
      const box = svg.getBoundingClientRect();
      const icon = box.width <= 48 && box.height <= 48;
      const decorative = svg.getAttribute("aria-hidden") === "true";
      const figure = svg.closest("figure");
      const described = figure && figure.querySelector("table, figcaption");
      if (!(titled || named || icon || described || (decorative && tables))) {
        problems.push(`chart (svg) without a text equivalent: ${snippet(svg)}`);
      }
    }
    for (const img of document.querySelectorAll("img")) {
      if (!img.hasAttribute("alt")) problems.push(`image without alt: ${snippet(img)}`);
    }
    for (const button of document.querySelectorAll("button, a.btn, [role=button]")) {
      if (!shown(button)) continue;
      const name =
        (button.textContent || "").trim() ||
        (button.getAttribute("aria-label") || "").trim() ||
        button.getAttribute("aria-labelledby") ||
        (button.getAttribute("title") || "").trim() ||
        button.querySelector("img[alt]:not([alt=''])");
      if (!name) problems.push(`button without a name: ${snippet(button)}`);
    }
    return problems;
  };
  document.addEventListener("securitypolicyviolation", (event) => {
    report([`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`]);
  });
  window.addEventListener("load", () => report(window.__a11yCheck()));
})();

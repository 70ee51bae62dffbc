"""Is every formula on a page visibly typeset by MathJax? The detector the browser tests share.

MathJax 3's CHTML output draws each character as CSS generated content: an ``mjx-c``
element whose ``::before`` rule (in MathJax's own ``<style id="MJX-CHTML-styles">``) holds
the character and a MathJax web font. A formula can therefore exist as ``mjx-container``
markup and still show nothing, when those rules are missing. So a formula counts as
visible only when all of these hold:

- the ``.arithmatex`` element contains an ``mjx-container`` (MathJax found and typeset it);
- no ``mjx-merror`` / ``[data-mjx-error]`` inside it (a TeX error);
- no undefined-macro rendering: with the ``noundefined`` package MathJax draws an unknown
  ``\\foo`` as ``<mjx-mtext class="mjx-n" style="color: red;">`` holding one ``mjx-c`` per
  character of ``\\foo`` (``mjx-c5C`` is the backslash);
- every ``mjx-c`` has non-empty computed ``::before`` content (except for characters that
  are invisible by nature: spaces, U+2061 function application, …);
- every MathJax font the glyphs use is loaded (``document.fonts``), none failed;
- a screenshot of the formula, taken with MathJax's rules (fraction bars, root
  overlines: borders) made transparent, has ink: pixels that differ from the background.

``check_page`` runs them all and returns a list of ``Problem``; an empty list means
every formula on the page is visible.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from playwright.sync_api import Page

SETTLE_TIMEOUT_MS = 15_000
GRACE_MS = 1_000

# During the formula screenshot only glyphs may draw: MathJax's rules are borders.
GLYPHS_ONLY_CSS = "mjx-container * { border-color: transparent !important; }"

# A formula screenshot must have at least this many pixels that differ from the
# background by at least INK_DELTA in some channel.
MIN_INK_PIXELS = 5
INK_DELTA = 48


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    """not-typeset, mathjax-error, undefined-macro, blank-glyph, font-not-loaded,
    invisible-formula, blank-formula, no-mathjax."""
    formula: int | None
    """1-based index of the ``.arithmatex`` element on the page (None: the whole page)."""
    detail: str

    def __str__(self) -> str:
        where = f"formula {self.formula}" if self.formula is not None else "page"
        return f"{where}: {self.kind}: {self.detail}"


_SETTLE_JS = """
async ([timeoutMs, graceMs]) => {
  const deadline = Date.now() + timeoutMs;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const ready = () => window.MathJax && window.MathJax.startup &&
    typeof window.MathJax.typesetPromise === "function";
  const typeset = () => [...document.querySelectorAll(".arithmatex")]
    .every((el) => el.querySelector("mjx-container"));
  // MathJax has typeset the document once since the last typesetClear(): formulas still
  // untypeset after a grace period never will be (their TeX was not found).
  const done = () => window.MathJax.startup.document.processed.isSet("typeset");
  let since = null;
  while (Date.now() < deadline && !(ready() && typeset())) {
    if (ready() && done()) {
      since ??= Date.now();
      if (Date.now() - since > graceMs) break;
    }
    await sleep(25);
  }
  if (!ready()) return false;
  // typesetPromise() chains onto startup.promise: wait for every queued typeset.
  let promise;
  do {
    promise = window.MathJax.startup.promise;
    await promise;
    await sleep(50);
  } while (promise !== window.MathJax.startup.promise && Date.now() < deadline);
  for (const details of document.querySelectorAll("details")) details.open = true;
  await document.fonts.ready;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await document.fonts.ready;
  return true;
}
"""

_INSPECT_JS = r"""
() => {
  const problems = [];
  const add = (kind, formula, detail) => problems.push({ kind, formula, detail });
  const codepoint = (c) => {
    const m = /(?:^|\s)mjx-c([0-9A-F]+)(?:\s|$)/.exec(c.className);
    return m ? parseInt(m[1], 16) : null;
  };
  const text = (el) => [...el.querySelectorAll("mjx-c")]
    .map((c) => { const n = codepoint(c); return n === null ? "?" : String.fromCodePoint(n); })
    .join("") || el.textContent;
  // Characters that MathJax draws with empty content on purpose.
  const invisible = (n) => n === 0x20 || n === 0xa0 || (n >= 0x2000 && n <= 0x200d) ||
    (n >= 0x2060 && n <= 0x2064) || n === 0x205f || n === 0x3000 || n === 0xfeff;
  const emptyContent = (v) => !v || v === "none" || v === "normal" || v === '""' || v === "''";
  const stacks = new Map();  // font-family list of a glyph -> first formula using it

  const formulas = [...document.querySelectorAll(".arithmatex")];
  formulas.forEach((el, i) => {
    const n = i + 1;
    const container = el.querySelector("mjx-container");
    if (!container) {
      add("not-typeset", n, el.textContent.trim().slice(0, 120));
      return;
    }
    for (const err of el.querySelectorAll("mjx-merror, [data-mjx-error]")) {
      add("mathjax-error", n, err.getAttribute("data-mjx-error") || err.textContent.trim());
    }
    for (const t of el.querySelectorAll("mjx-mtext")) {
      const red = t.style.color === "red" || getComputedStyle(t).color === "rgb(255, 0, 0)";
      const s = text(t);
      if (red && s.startsWith("\\")) add("undefined-macro", n, s);
    }
    const blank = [];
    for (const c of container.querySelectorAll("mjx-c")) {
      const before = getComputedStyle(c, "::before");
      const cp = codepoint(c);
      if (emptyContent(before.content) && !(cp !== null && invisible(cp))) {
        blank.push(cp === null ? c.className : String.fromCodePoint(cp));
      }
      if (!stacks.has(before.fontFamily)) stacks.set(before.fontFamily, n);
    }
    if (blank.length) add("blank-glyph", n, `${blank.length} glyph(s) without ::before content: ${blank.join(" ")}`);
    const box = container.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) add("invisible-formula", n, "zero-size mjx-container");
  });

  // A glyph's font-family lists MathJax fonts (MJXZERO first, a zero-width helper); the
  // browser loads the first one that has the character, so one per list must be loaded.
  const unquote = (f) => f.trim().replace(/^["']|["']$/g, "");
  const faces = [...document.fonts].filter((f) => unquote(f.family).startsWith("MJX"));
  for (const face of faces) {
    if (face.status === "error") add("font-not-loaded", null, `${unquote(face.family)} failed to load`);
  }
  for (const [stack, n] of stacks) {
    const names = stack.split(",").map(unquote).filter((f) => f.startsWith("MJX") && f !== "MJXZERO");
    if (!names.length) {
      add("font-not-loaded", n, `glyphs drawn without a MathJax font: ${stack}`);
    } else if (!faces.some((f) => names.includes(unquote(f.family)) && f.status === "loaded")) {
      add("font-not-loaded", n, `none of ${names.join(", ")} is loaded`);
    }
  }
  return { count: formulas.length, problems };
}
"""


_BOXES_JS = """
() => {
  window.scrollTo(0, 0);
  const boxes = [];
  document.querySelectorAll(".arithmatex").forEach((el, i) => {
    const c = el.querySelector("mjx-container");
    if (!c) return;
    // the part a reader can see: a wide formula scrolls inside its clipping ancestors
    let { left, top, right, bottom } = c.getBoundingClientRect();
    for (let a = c.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const r = a.getBoundingClientRect();
      [left, top] = [Math.max(left, r.left), Math.max(top, r.top)];
      [right, bottom] = [Math.min(right, r.right), Math.min(bottom, r.bottom)];
    }
    if (right - left < 1 || bottom - top < 1) return;
    boxes.push({ formula: i + 1, x: left + window.scrollX, y: top + window.scrollY,
                 width: right - left, height: bottom - top });
  });
  return boxes;
}
"""

_INK_JS = """
async ({ png, boxes, delta }) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  return boxes.map((b) => {
    const x = Math.max(0, Math.floor(b.x)), y = Math.max(0, Math.floor(b.y));
    const w = Math.min(Math.ceil(b.x + b.width), bitmap.width) - x;
    const h = Math.min(Math.ceil(b.y + b.height), bitmap.height) - y;
    if (w <= 0 || h <= 0) return 0;
    const d = ctx.getImageData(x, y, w, h).data;
    const seen = new Map();  // the most common colour is the background
    for (let i = 0; i < d.length; i += 4) {
      const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      seen.set(key, (seen.get(key) || 0) + 1);
    }
    let bg = 0, most = -1;
    for (const [key, n] of seen) if (n > most) { most = n; bg = key; }
    const [r, g, bl] = [bg >> 16, (bg >> 8) & 255, bg & 255];
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      const diff = Math.max(Math.abs(d[i] - r), Math.abs(d[i + 1] - g), Math.abs(d[i + 2] - bl));
      if (diff >= delta) ink++;
    }
    return ink;
  });
}
"""


def settle(page: Page, timeout_ms: int = SETTLE_TIMEOUT_MS) -> bool:
    """Wait until MathJax has typeset the page (or the time is up) and fonts are in."""
    return bool(page.evaluate(_SETTLE_JS, [timeout_ms, GRACE_MS]))


def inspect(page: Page) -> tuple[int, list[Problem]]:
    """The DOM checks: (number of formulas, problems)."""
    result = page.evaluate(_INSPECT_JS)
    return result["count"], [Problem(**p) for p in result["problems"]]


def blank_formulas(page: Page) -> list[Problem]:
    """Screenshot the page with only glyphs drawn in formulas, and report each typeset
    formula whose area in it has no ink.

    One full-page capture cropped to each formula's box gives the pixels an element
    screenshot of each formula would, at a fraction of the time (an element screenshot
    costs ~80 ms, and the site has hundreds of formulas). The browser's own image decoder
    reads the PNG back (createImageBitmap; no DOM is touched).
    """
    boxes = page.evaluate(_BOXES_JS)
    if not boxes:
        return []
    png = page.screenshot(full_page=True, style=GLYPHS_ONLY_CSS, animations="disabled", scale="css")
    counts = page.evaluate(
        _INK_JS, {"png": base64.b64encode(png).decode("ascii"), "boxes": boxes, "delta": INK_DELTA}
    )
    return [
        Problem("blank-formula", box["formula"], f"its screenshot has {ink} ink pixel(s)")
        for box, ink in zip(boxes, counts, strict=True)
        if ink < MIN_INK_PIXELS
    ]


def check_page(page: Page, *, screenshots: bool = True) -> tuple[int, list[Problem]]:
    """All checks on the page as it is now: (number of formulas, problems)."""
    if not settle(page):
        return 0, [Problem("no-mathjax", None, "MathJax did not start on this page")]
    count, problems = inspect(page)
    if screenshots:
        problems += blank_formulas(page)
    return count, sorted(problems, key=lambda p: (p.formula or 0, p.kind))

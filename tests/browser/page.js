"use strict";
// One case of page-test.sh: chromium (headless, the Debian build at
// NSYM_CHROMIUM) driven through the web page of the server at NSYM_URL,
// with the crash page-test.sh made in NSYM_WORK (report.json, trace.txt,
// link, and symbolicated: what `napi-symbols symbolicate` printed for it).
// Screenshots go to NSYM_OUT. Exits 1 on the first check that fails.
//   node page.js CASE
const fs = require("fs");
const path = require("path");
const { chromium } = require(process.env.NSYM_PW);

const url = process.env.NSYM_URL;
const work = process.env.NSYM_WORK;
const out = process.env.NSYM_OUT;
const caseName = process.argv[2];
const read = (f) => fs.readFileSync(path.join(work, f), "utf8");
let shots = 0;

function check(ok, what) {
  if (!ok) throw new Error(what);
}

// The frames with a source line that symbolicate printed, as the page is
// to show them: "#0 fib at FILE:142:6", then "(inlined by) fib at FILE:142:38"
// for each inlined caller. (A column of 0, unknown, the page leaves out.)
function expectedFrames() {
  const lines = [];
  let resolved = false;
  for (const l of read("symbolicated").split("\n")) {
    let m = /^(#\d+) (.+?) at (\S+?:\d+(?::[1-9]\d*)?)(?::0)? in /.exec(l);
    if (m) {
      lines.push(`${m[1]} ${m[2]} at ${m[3]}`);
      resolved = true;
      continue;
    }
    if (/^#\d+ /.test(l)) resolved = false;
    m = /^ +\(inlined by\) (.+?) at (\S+?:\d+(?::[1-9]\d*)?)(?::0)?$/.exec(l);
    if (m && resolved) lines.push(`(inlined by) ${m[1]} at ${m[2]}`);
  }
  check(lines.length > 0, "symbolicate printed no frame with a source line");
  return lines;
}

// The same lines as the page shows them.
async function shownFrames(page) {
  return page.$$eval("ol.frames > li", (items) =>
    items.flatMap((li) => {
      const loc = li.querySelector(":scope > .loc");
      if (!loc) return [];
      const lines = [
        `${li.querySelector(":scope > .n").textContent} ` +
          `${li.querySelector(":scope > .fn").textContent} at ${loc.textContent}`,
      ];
      for (const i of li.querySelectorAll(".inlines > li"))
        lines.push(`(inlined by) ${i.querySelector(".fn").textContent} at ${i.querySelector(".loc").textContent}`);
      return lines;
    }));
}

// The page shows what symbolicate printed: the same frames, source lines
// and inline chains, and the same signal in its heading.
async function checkAnswer(page, what) {
  const want = expectedFrames();
  const got = await shownFrames(page);
  check(JSON.stringify(got) === JSON.stringify(want),
    `${what}: the page shows\n  ${got.join("\n  ")}\nbut symbolicate printed\n  ${want.join("\n  ")}`);
  const heading = await page.locator("#result h2").first().textContent();
  const first = read("symbolicated").split("\n")[0]; // "crash: SIGSEGV at 0x0"
  check(heading === first.replace(/^crash: /, "Crash: "), `${what}: heading '${heading}', not '${first}'`);
  check(await page.locator("ol.frames > li.addon").first().isVisible(), `${what}: no addon frame shown`);
  check((await page.title()).startsWith(heading), `${what}: title '${await page.title()}'`);
}

async function shot(page, name) {
  shots++;
  await page.screenshot({ path: path.join(out, `${caseName}-${shots}-${name}.png`), fullPage: true });
}

// Clicks (or presses) what sends the form, and waits for the answer page.
async function submit(page, act) {
  const [response] = await Promise.all([page.waitForNavigation(), act()]);
  return response;
}

function securityHeaders(response, what) {
  const h = response.headers();
  check(/default-src 'self'/.test(h["content-security-policy"] || ""), `${what}: CSP ${h["content-security-policy"]}`);
  check(h["x-content-type-options"] === "nosniff", `${what}: no nosniff`);
}

// WCAG's contrast ratio of two CSS colours "rgb(r, g, b)".
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// Each element of the selectors is readable: its text against the first
// background behind it that is not transparent, at least 4.5:1 (WCAG AA).
async function checkContrast(page, selectors, what) {
  for (const sel of selectors) {
    const pairs = await page.$$eval(sel, (els) => els.slice(0, 5).map((el) => {
      let bg = "rgba(0, 0, 0, 0)";
      for (let e = el; e && /rgba\(.*, 0\)$|transparent/.test(bg); e = e.parentElement)
        bg = getComputedStyle(e).backgroundColor;
      return [getComputedStyle(el).color, /rgba\(.*, 0\)$/.test(bg) ? "rgb(255, 255, 255)" : bg];
    }));
    check(pairs.length > 0, `${what}: nothing matches ${sel}`);
    for (const [fg, bg] of pairs)
      check(contrast(fg, bg) >= 4.5, `${what}: ${sel} is ${fg} on ${bg}, ${contrast(fg, bg).toFixed(2)}:1`);
  }
}

// The source lines under each frame and inlined call that has a file and
// line: the lines around it as the file on disk has them, numbered, the
// line itself marked.
async function checkSourceLines(page, what) {
  const blocks = await page.$$eval("ol.frames li", (items) => items.flatMap((li) => {
    const loc = li.querySelector(":scope > .loc");
    const pre = li.querySelector(":scope > pre.context");
    if (!loc) return [];
    return [{
      loc: loc.textContent,
      label: pre && pre.getAttribute("aria-label"),
      lines: pre ? [...pre.querySelectorAll(".ln")].map((n) => ({
        n: Number(n.textContent),
        text: n.nextSibling ? n.nextSibling.textContent.replace(/\n$/, "") : "",
        marked: n.parentElement.tagName === "MARK",
      })) : [],
    }];
  }));
  check(blocks.length > 0, `${what}: no location on the page`);
  let shown = 0;
  for (const b of blocks) {
    const m = /^(.+?):(\d+)(?::\d+)?$/.exec(b.loc);
    if (!m || !m[1].endsWith("addon.c")) continue;
    const file = fs.readFileSync(m[1], "utf8").split("\n");
    const line = Number(m[2]);
    check(b.lines.length > 0, `${what}: no source lines under ${b.loc}`);
    const want = [];
    for (let n = Math.max(1, line - 2); n <= Math.min(file.length, line + 2); n++)
      want.push({ n, text: file[n - 1], marked: n === line });
    check(JSON.stringify(b.lines) === JSON.stringify(want),
      `${what}: under ${b.loc} the page shows ${JSON.stringify(b.lines)}, the file ${JSON.stringify(want)}`);
    check(b.label === `Source, lines ${want[0].n} to ${want[want.length - 1].n}`, `${what}: label ${b.label}`);
    shown++;
  }
  check(shown > 0, `${what}: no frame in addon.c: ${JSON.stringify(blocks)}`);
  return shown;
}

const cases = {
  // A real hook report pasted into the box.
  async report(browser) {
    const page = await browser.newPage();
    const res = await page.goto(`${url}/`);
    check(res.status() === 200, `GET /: ${res.status()}`);
    securityHeaders(res, "GET /");
    await shot(page, "empty");
    await page.getByLabel("Crash text").fill(read("report.json"));
    const answer = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(answer.status() === 200, `POST /: ${answer.status()}`);
    securityHeaders(answer, "POST /");
    await checkAnswer(page, "pasted report");
    // a report is JSON with paths: no link is made of it
    check((await page.locator("#share-link").count()) === 0, "a link was made of a report");
    await shot(page, "answer");
  },

  // The link the hook printed, opened as a maintainer would.
  async link(browser) {
    const page = await browser.newPage();
    const link = read("link").trim();
    const res = await page.goto(link);
    check(res.status() === 200, `GET the hook's link: ${res.status()}`);
    await checkAnswer(page, "the hook's link");
    const timing = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return { response: n.responseEnd - n.startTime, load: n.loadEventEnd - n.startTime };
    });
    console.log(`page load (the hook's link): response ${timing.response.toFixed(1)} ms, load event ${timing.load.toFixed(1)} ms`);
    // the page offers the same link again, for an issue
    const again = await page.locator("#share-link").getAttribute("href");
    const trace = (u) => new URL(u, url).searchParams.get("trace");
    check(trace(again) === trace(link), `the page's link is not the hook's: ${again}`);
    check(trace(link) === read("trace.txt"), "the hook's link does not hold its trace");
    await page.setViewportSize({ width: 1100, height: 760 });
    await shot(page, "answer");
  },

  // No JavaScript: the form posts (multipart, a chosen file), and the link
  // the page makes of a compact trace opens the answer.
  async "no-js"(browser) {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    check((await page.locator("#keys").textContent()) === "", "the script ran");
    await page.getByLabel("Or a file").setInputFiles(path.join(work, "report.json"));
    let answer = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(answer.status() === 200, `POST / with a file: ${answer.status()}`);
    await checkAnswer(page, "a report file, without JavaScript");
    check(!(await page.locator("#copy-link").isVisible()), "the copy button shows without JavaScript");
    await shot(page, "file");
    await page.getByLabel("Or a file").setInputFiles([]);
    await page.getByLabel("Crash text").fill(read("trace.txt"));
    answer = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(answer.status() === 200, `POST / with a trace: ${answer.status()}`);
    await checkAnswer(page, "a compact trace, without JavaScript");
    answer = await submit(page, () => page.getByRole("link", { name: "Link to this crash" }).click());
    check(answer.status() === 200 && page.url().includes("/?trace="), `the page's link: ${page.url()}`);
    await checkAnswer(page, "the page's link, without JavaScript");
    await shot(page, "link");
    await context.close();
  },

  // The keyboard alone: Tab to the box, type, Tab through the form (Space
  // ticks a box), Enter on the button; then Ctrl+Enter in the box.
  async keyboard(browser) {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const focused = () => page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
    for (let i = 0; i < 12 && (await focused()) !== "trace"; i++) await page.keyboard.press("Tab");
    check((await focused()) === "trace", "Tab never reaches the text box");
    await page.keyboard.insertText(read("trace.txt"));
    const order = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      order.push(await focused());
      if (order[i] === "basenames") await page.keyboard.press("Space");
    }
    check(order.join(",") === "file,basenames,BUTTON", `Tab order after the box: ${order}`);
    check(await page.locator("#basenames").isChecked(), "Space did not tick the box");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== "none", "the focused button shows no outline");
    await shot(page, "focus");
    let answer = await submit(page, () => page.keyboard.press("Enter"));
    check(answer.status() === 200, `Enter on the button: ${answer.status()}`);
    await checkAnswer(page, "sent with the keyboard (file names without folders)");
    await page.locator("#trace").focus();
    answer = await submit(page, () => page.keyboard.press("Control+Enter"));
    check(answer.status() === 200, `Ctrl+Enter: ${answer.status()}`);
    await checkAnswer(page, "sent with Ctrl+Enter");
    await page.keyboard.press("Tab"); // the link to the answer, after the header's
    await shot(page, "answer");
  },

  // A trace written to attack the page: every string of it shows as text,
  // no markup of it runs or renders.
  async hostile(browser) {
    const page = await browser.newPage();
    const dialogs = [];
    page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
    const script = "<script>window.__nsym_pwned=1</script>";
    const img = "<img_src=x_onerror=window.__nsym_pwned=2>";
    const lines = read("trace.txt").split("\n");
    lines[0] = `napi-symbols: panic v1 "${script}<img src=x onerror=\\"alert(3)\\">" at <b>x.rs:1:2`;
    const text = ["</textarea><script>alert(4)</script><!--", ...lines.map((l) =>
      l.replace(/^(napi-symbols: m\d+ \S+) \S+$/, `$1 ${img}`))].join("\n");
    await page.goto(`${url}/`);
    await page.getByLabel("Crash text").fill(text);
    const answer = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(answer.status() === 200, `POST /: ${answer.status()}`);
    const state = await page.evaluate(() => ({
      pwned: window.__nsym_pwned,
      scripts: [...document.scripts].map((s) => s.getAttribute("src")),
      images: document.images.length,
      bold: document.querySelectorAll("#result b").length,
      heading: document.querySelector("#result h2").textContent,
      where: document.querySelector("ol.frames .where").textContent,
      echoed: document.querySelector("#trace").value,
    }));
    check(state.pwned === undefined && dialogs.length === 0, `script ran: ${state.pwned} ${dialogs}`);
    check(JSON.stringify(state.scripts) === JSON.stringify(["assets/page.js"]), `scripts: ${state.scripts}`);
    check(state.images === 0 && state.bold === 0, "markup of the trace rendered");
    check(state.heading.includes(script), `the message is not shown as text: ${state.heading}`);
    check(state.where.includes(img), `the module name is not shown as text: ${state.where}`);
    check(state.echoed === text, `the box does not hold the text sent: ${JSON.stringify(state.echoed)}`);
    // the HTML itself: no tag of the trace's
    const html = await (await fetch(`${url}/`, { method: "POST", body: new URLSearchParams({ trace: text }) })).text();
    check(!/<script>|<img|<b>|<\/textarea><script/i.test(html.replace('<script src="assets/page.js" defer></script>', "")),
      "the HTML holds markup of the trace");
    await shot(page, "escaped");
  },

  // A real hook report pasted into the box, the sources uploaded with the
  // debug file (upload --sources): the lines around each location show
  // under it, readable in both colour schemes, and reachable by Tab.
  async sources(browser) {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.getByLabel("Crash text").fill(read("report.json"));
    const answer = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(answer.status() === 200, `POST /: ${answer.status()}`);
    await checkAnswer(page, "pasted report with sources");
    const shown = await checkSourceLines(page, "pasted report");
    console.log(`source lines under ${shown} locations`);
    await checkContrast(page, ["pre.context .ln", "pre.context mark", "pre.context code"], "light");
    // a wide block scrolls: it takes the focus, and shows it
    await page.locator("pre.context").first().focus();
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== "none", "a focused block of source lines shows no outline");
    await page.locator("ol.frames").first().scrollIntoViewIfNeeded();
    await shot(page, "answer");
    // the same page in the dark scheme
    const dark = await browser.newContext({ colorScheme: "dark" });
    const p2 = await dark.newPage();
    await p2.goto(`${url}/`);
    await p2.getByLabel("Crash text").fill(read("report.json"));
    await submit(p2, () => p2.getByRole("button", { name: "Symbolicate" }).click());
    await checkContrast(p2, ["pre.context .ln", "pre.context mark", "pre.context code", "nav.site a"], "dark");
    await shot(p2, "dark");
    await dark.close();
  },

  // The artifacts page with the keyboard alone: from the paste page's
  // navigation, a search by name narrowed by kind, then a row's identity
  // searched, then a search by npm package and a row's package link;
  // every control labelled and readable.
  async browse(browser) {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const focused = () => page.evaluate(() => {
      const e = document.activeElement;
      return e.id || (e.tagName === "A" ? `A:${e.textContent}` : e.tagName);
    });
    for (let i = 0; i < 6 && (await focused()) !== "A:Artifacts"; i++) await page.keyboard.press("Tab");
    check((await focused()) === "A:Artifacts", "Tab never reaches the Artifacts link");
    let res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 200 && new URL(page.url()).pathname === "/artifacts", `the link: ${page.url()}`);
    securityHeaders(res, "GET /artifacts");
    check((await page.locator("table.artifacts tbody tr").count()) === 3, "all three artifacts listed");
    await shot(page, "all");
    for (let i = 0; i < 8 && (await focused()) !== "q"; i++) await page.keyboard.press("Tab");
    check((await focused()) === "q", "Tab never reaches the search box");
    await page.keyboard.type("ADDON.NODE");
    await page.keyboard.press("Tab");
    check((await focused()) === "package", `after the box: ${await focused()}`);
    await page.keyboard.press("Tab");
    check((await focused()) === "kind", `after the package: ${await focused()}`);
    await page.keyboard.press("ArrowDown"); // the debug files
    await page.keyboard.press("Tab");
    check((await focused()) === "format", `after the kind: ${await focused()}`);
    await page.keyboard.press("Tab");
    check((await focused()) === "BUTTON", `after the format: ${await focused()}`);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== "none", "the focused button shows no outline");
    res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 200, `the search: ${res.status()}`);
    const q = new URL(page.url()).searchParams;
    check(q.get("q") === "ADDON.NODE" && q.get("kind") === "debuginfo", `the search's URL: ${page.url()}`);
    const rows = await page.$$eval("table.artifacts tbody tr", (trs) =>
      trs.map((tr) => [...tr.children].slice(0, 2).map((c) => c.textContent).join(" ")));
    check(JSON.stringify(rows) === JSON.stringify(["addon.node.debug debuginfo"]), `rows: ${rows}`);
    check((await page.getByLabel("File name or identity").inputValue()) === "ADDON.NODE", "the box lost the search");
    check((await page.getByLabel("Kind").inputValue()) === "debuginfo", "the kind was not kept");
    await checkContrast(page, ["table.artifacts td", "table.artifacts a", "table.artifacts .hint", "nav.site a", ".hint"], "artifacts");
    await shot(page, "search");
    // to the row's "All of this identity" by Tab, and Enter
    for (let i = 0; i < 12 && (await focused()) !== "A:All of this identity"; i++) await page.keyboard.press("Tab");
    check((await focused()) === "A:All of this identity", "Tab never reaches the row's identity link");
    res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 200, `the identity: ${res.status()}`);
    const kinds = await page.$$eval("table.artifacts tbody tr td:nth-child(2)", (tds) => tds.map((t) => t.textContent).sort());
    check(JSON.stringify(kinds) === JSON.stringify(["debuginfo", "executable"]), `the identity's rows: ${kinds}`);
    // a row's debuginfod link answers the file
    const href = await page.locator("table.artifacts a", { hasText: "debuginfod" }).first().getAttribute("href");
    const got = await (await fetch(new URL(href, page.url()))).arrayBuffer();
    check(got.byteLength > 0, `${href}: nothing`);
    await page.setViewportSize({ width: 1100, height: 700 });
    await shot(page, "identity");
    // by npm package: its name typed in its box, then the row's package link
    await page.getByLabel("File name or identity").fill("");
    await page.getByLabel("npm package").focus();
    await page.keyboard.type("@napi-rs/canvas-win32-x64-msvc");
    res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 200, `the package search: ${res.status()}`);
    check(new URL(page.url()).searchParams.get("package") === "@napi-rs/canvas-win32-x64-msvc",
      `the package search's URL: ${page.url()}`);
    const pkgRows = () => page.$$eval("table.artifacts tbody tr", (trs) =>
      trs.map((tr) => [...tr.children].map((c) => c.textContent)).map((c) => `${c[0]} ${c[6]}`));
    let got2 = await pkgRows();
    check(JSON.stringify(got2) === JSON.stringify(["addon.pdb @napi-rs/canvas-win32-x64-msvc@0.1.65"]),
      `the package's rows: ${got2}`);
    check((await page.getByLabel("npm package").inputValue()) === "@napi-rs/canvas-win32-x64-msvc",
      "the package box lost the search");
    await checkContrast(page, ["table.artifacts td", "table.artifacts a.package"], "package");
    for (let i = 0; i < 20 && (await focused()) !== "A:@napi-rs/canvas-win32-x64-msvc@0.1.65"; i++)
      await page.keyboard.press("Tab");
    check((await focused()) === "A:@napi-rs/canvas-win32-x64-msvc@0.1.65", "Tab never reaches the row's package link");
    res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 200 &&
      new URL(page.url()).searchParams.get("package") === "@napi-rs/canvas-win32-x64-msvc@0.1.65",
      `the package link: ${page.url()}`);
    got2 = await pkgRows();
    check(JSON.stringify(got2) === JSON.stringify(["addon.pdb @napi-rs/canvas-win32-x64-msvc@0.1.65"]),
      `the package link's rows: ${got2}`);
    await shot(page, "package");
  },

  // --read-token: the hook's link asks for the token, which the page takes
  // from its form and remembers in a cookie when asked.
  async "read-token"(browser) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const link = read("link").trim();
    let res = await page.goto(link);
    check(res.status() === 401, `the link without a token: ${res.status()}`);
    check((await page.locator(".message").textContent()).includes("token"), "no word of the token");
    check((await page.evaluate(() => document.activeElement.id)) === "token", "the token field has no focus");
    await shot(page, "asked");
    await page.keyboard.type("nsym_1_0000");
    res = await submit(page, () => page.keyboard.press("Enter"));
    check(res.status() === 401 && (await page.locator(".message").textContent()).includes("unknown or revoked"),
      `a wrong token: ${res.status()}`);
    await page.getByLabel("Read token").fill(read("read-token").trim());
    await page.getByLabel("Remember the token").check();
    res = await submit(page, () => page.getByRole("button", { name: "Symbolicate" }).click());
    check(res.status() === 200, `with the token: ${res.status()}`);
    await checkAnswer(page, "with the token");
    const cookie = (await context.cookies()).find((c) => c.name === "napi_symbols_token");
    check(cookie && cookie.httpOnly && cookie.sameSite === "Lax", `cookie: ${JSON.stringify(cookie)}`);
    res = await page.goto(link);
    check(res.status() === 200, `the link with the cookie: ${res.status()}`);
    await checkAnswer(page, "the link with the remembered token");
    await shot(page, "answer");
    await context.close();
  },
};

(async () => {
  check(cases[caseName], `no case ${caseName}`);
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: process.env.NSYM_CHROMIUM,
    // root in CI has no user namespace sandbox to give
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(20000);
    const wrapped = {
      newPage: () => context.newPage(),
      newContext: async (o) => {
        const c = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...o });
        c.setDefaultTimeout(20000);
        return c;
      },
    };
    await cases[caseName](wrapped);
  } finally {
    await browser.close();
  }
  console.log(`${caseName}: passed in ${Date.now() - started} ms, ${shots} screenshots`);
})().catch((e) => {
  console.error(`FAIL ${caseName}: ${e.message}`);
  process.exit(1);
});

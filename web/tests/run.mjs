// gpulif's web page and JavaScript API in headless Chromium, against the native CLI.
//
//   BASE=http://127.0.0.1:8000/ GPULIF=target/release/gpulif node web/tests/run.mjs
//
// Chromium is launched twice: with WebGPU (SwiftShader, Chromium's software WebGPU)
// and without it (the page's CPU fallback). Screenshots go to web/tests/out/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.BASE ?? "http://127.0.0.1:8000/";
const gpulifBinary = process.env.GPULIF ?? "target/release/gpulif";
const out = new URL("./out/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "gpulif-web-"));
const quiet = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const webgpu = ["--enable-unsafe-webgpu", "--enable-features=Vulkan"];

let failures = 0;
async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}\n${error.stack ?? error}`);
  }
}

/** The native CLI's CSV for `args` (a `gpulif curve` command's flags), and its counts. */
function cli(args) {
  const path = join(scratch, `cli-${Date.now()}-${Math.random()}.csv`);
  execFileSync(gpulifBinary, ["curve", ...args, "--backend", "cpu", "-q", "--out", path], {
    env: { ...process.env, NODEVICE_SELECT: "1" },
  });
  const csv = readFileSync(path, "utf8");
  const counts = csv.trim().split("\n").slice(1).map((row) => Number(row.split(",")[1]));
  return { csv, counts };
}

/** The page, loaded and its first curve drawn. */
async function open(browser) {
  const page = await browser.newPage({ viewport: { width: 960, height: 900 }, acceptDownloads: true });
  const messages = [];
  page.on("console", (m) => messages.push(m.text()));
  page.on("pageerror", (e) => messages.push(String(e)));
  await page.goto(base);
  await page.waitForFunction(() => document.title.endsWith("done"), null, { timeout: 120_000 })
    .catch((e) => { throw new Error(`the page never finished its first run: ${messages.join("\n")}\n${e}`); });
  return page;
}

/** Compares two count lists: the share identical and the largest difference. */
function agreement(a, b) {
  assert.equal(a.length, b.length);
  let same = 0, most = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k]) same++;
    most = Math.max(most, Math.abs(a[k] - b[k]));
  }
  return { identical: same / a.length, same, most };
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...quiet, ...webgpu] });
const page = await open(browser);

await test("the page runs on WebGPU, not the CPU fallback", async () => {
  const [backend, status] = await page.evaluate(() => [window.gpulifBackend, document.getElementById("status").textContent]);
  assert.equal(backend, "gpu", status);
  assert.match(status, /through WebGPU/);
  console.log(`     ${status}`);
  await page.screenshot({ path: join(out, "page.png") });
});

await test("the JS API gives the tutorial's counts and sentence", async () => {
  const tutorial = { currents: [1.0000001, 1.1, 10, 100, 0.8], tauRc: 0.02, tauRef: 0.2, duration: 20 };
  const [gpu, cpu, trace] = await page.evaluate(async (o) => {
    const g = await window.gpulif.curve({ ...o, backend: "gpu" });
    const c = await window.gpulif.curve({ ...o, backend: "cpu" });
    const t = window.gpulif.trace({ ...o, currents: [1.1] });
    return [[...g.counts], [...c.counts], t.sentences[0]];
  }, tutorial);
  assert.deepEqual(gpu, [39, 82, 99, 100, 0]);
  assert.deepEqual(cpu, [39, 82, 99, 100, 0]);
  assert.equal(trace, "An input of 1.1 produces 82 spikes in 20 seconds (4.10 Hz)");
  const rates = await page.evaluate(() => [...window.gpulif.analyticRate({ currents: [0.5, 2], tauRc: 0.02, tauRef: 0.002 })]);
  assert.equal(rates[0], 0);
  assert.ok(Math.abs(rates[1] - 1 / (0.002 + 0.02 * Math.log(2))) < 1e-9 * rates[1], String(rates));
});

await test("a bad option is an error that names it and its range", async () => {
  const messages = await page.evaluate(async () => {
    const errors = [];
    for (const o of [{ neurons: 5e9 }, { neurons: 1.5 }, { tauRc: -1 }, { method: "rk4" }, { backend: "tpu" }]) {
      try { await window.gpulif.curve(o); errors.push("no error"); } catch (e) { errors.push(e.message); }
    }
    return errors;
  });
  assert.match(messages[0], /^neurons: at most 4194304 in a browser, got 5000000000/);
  assert.match(messages[1], /^neurons: a whole number/);
  assert.match(messages[2], /tau_rc/);
  assert.match(messages[3], /^method: "euler" or "exact" expected/);
  assert.match(messages[4], /^backend: "auto", "gpu" or "cpu" expected/);
  console.log(`     ${messages[2]}`);
});

for (const [method, noise] of [["euler", 0], ["exact", 0], ["euler", 0.3]]) {
  await test(`100,000 neurons, ${method}${noise ? ", noise 0.3" : ""}: the counts of the native CLI`, async () => {
    const o = { neurons: 100000, iMin: 0, iMax: 10, tauRc: 0.02, duration: 1, method, noise, seed: 7, backend: "gpu" };
    const web = await page.evaluate(async (o) => [...(await window.gpulif.curve(o)).counts], o);
    const args = ["--neurons", "100000", "--i-max", "10", "--tau-rc", "0.02", "--duration", "1", "--method", method];
    if (noise) args.push("--noise", String(noise), "--seed", "7");
    const { identical, same, most } = agreement(web, cli(args).counts);
    console.log(`     ${same} of 100,000 identical (${(100 * identical).toFixed(3)} %), largest difference ${most}`);
    assert.ok(identical >= 0.999 && most <= 1);
  });
}

await test("moving a slider starts a new run and changes the curve", async () => {
  const before = await page.evaluate(() => [...window.gpulifResult.counts]);
  const title = await page.title();
  await page.locator("#tauRef").fill("0.05");
  await page.waitForFunction((t) => document.title !== t && document.title.endsWith("done"), title);
  const [after, command] = await page.evaluate(() => [[...window.gpulifResult.counts], document.getElementById("command").textContent]);
  assert.notDeepEqual(after, before);
  assert.match(command, /--tau-ref 0\.05 /);
  await page.screenshot({ path: join(out, "slider.png") });
});

await test("clicking the curve shows the neuron's sentence", async () => {
  const box = await page.locator("#plot").boundingBox();
  await page.mouse.click(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.waitForFunction(() => document.getElementById("sentence").textContent.startsWith("An input of"));
  const sentence = await page.locator("#sentence").textContent();
  assert.match(sentence, /^An input of [0-9.]+ produces \d+ spikes in 1 seconds \([0-9.]+ Hz\)$/);
  console.log(`     ${sentence}`);
  await page.screenshot({ path: join(out, "clicked.png") });
});

await test("Save CSV downloads the CLI's CSV of the shown command", async () => {
  const command = await page.locator("#command").textContent();
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#save").click()]);
  const saved = readFileSync(await download.path(), "utf8");
  const args = command.replace(/^gpulif curve /, "").replace(/ --out curve\.csv$/, "").split(" ");
  const expected = cli(args).csv.split("\n");
  const rows = saved.split("\n");
  assert.equal(rows.length, expected.length, command);
  // Currents, counts and rates: the same text. The analytic rate: within a few float64
  // roundings, as wasm's ln and exp are not the native C library's.
  let most = 0;
  for (let k = 0; k < rows.length; k++) {
    const [a, b] = [rows[k].split(","), expected[k].split(",")];
    assert.deepEqual(a.slice(0, 3), b.slice(0, 3), `row ${k} of ${command}`);
    if (k > 0 && a.length === 4) {
      const [x, y] = [Number(a[3]), Number(b[3])];
      most = Math.max(most, Math.abs(x - y) / Math.max(Math.abs(y), Number.MIN_VALUE));
      assert.ok(Math.abs(x - y) <= 1e-14 * Math.abs(y), `row ${k}: ${a[3]} against ${b[3]}`);
    }
  }
  const same = rows.filter((row, k) => row === expected[k]).length;
  console.log(`     ${same} of ${rows.length} lines identical; the analytic rates within ${most.toExponential(1)} (relative)`);
});
await browser.close();

const plain = await chromium.launch({ executablePath: "/usr/bin/chromium", args: quiet });
await test("without WebGPU the page says so and counts as the native CPU backend", async () => {
  const page = await open(plain);
  const [backend, status, counts] = await page.evaluate(() => [
    window.gpulifBackend, document.getElementById("status").textContent, [...window.gpulifResult.counts]]);
  assert.equal(backend, "cpu");
  assert.match(status, /^No WebGPU in this browser: running on the CPU backend in wasm/);
  assert.deepEqual(counts, cli(["--neurons", "100000", "--i-max", "10", "--tau-rc", "0.2", "--tau-ref", "0.002",
    "--v-th", "1", "--duration", "1", "--method", "euler"]).counts);
  await page.screenshot({ path: join(out, "fallback.png") });
});
await plain.close();

console.log(failures ? `${failures} failed` : "all passed");
process.exit(failures ? 1 : 0);

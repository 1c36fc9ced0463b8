// Shared by the scenario scripts of the e2e/browser suite. A scenario reads
// its input as JSON on stdin (browser_test.scenarioInput), drives Chromium
// through playwright-core, and prints one JSON object on stdout: what it
// observed, the screenshots it saved, the pages it went through, and the
// console errors and failed subresources it saw. Log lines go to stderr.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

// How long one step (a navigation, a selector) may take.
export const STEP_TIMEOUT_MS = 20_000;

// Chromium's flags on this machine: no sandbox as root, and no background
// connections (component updates, sync, QUIC probes), which the closed
// network refuses. playwright-core adds --headless and a new, empty
// --user-data-dir of its own for each launch.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function log(...args) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${args.join(' ')}\n`);
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// Scenario is one run: the browser, its contexts and what the run records.
export class Scenario {
  constructor(input) {
    this.input = input;
    this.params = input.params ?? {};
    this.result = { screenshots: [], navigations: [], consoleErrors: [], badResponses: [] };
    this.shot = 0;
    mkdirSync(input.screenshots, { recursive: true });
  }

  // launch starts Chromium.
  async launch() {
    this.browser = await chromium.launch({ executablePath: this.input.chromium, headless: true, args: CHROMIUM_ARGS });
    log(`Chromium ${this.browser.version()}`);
  }

  // newPage opens a page in a new context (its own cookies), from a saved
  // storage state when one is given. Contexts ignore certificate errors:
  // the issuer's HTTPS listener has a certificate of the dev CA, which
  // Chromium does not know.
  async newPage({ storageState } = {}) {
    const context = await this.browser.newContext({
      ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, colorScheme: 'light',
      locale: 'en-GB', timezoneId: 'UTC', ...(storageState ? { storageState } : {}),
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    this.watch(page);
    this.current = page; // the failure screenshot shows the newest page
    return page;
  }

  // watch records main-frame navigations, console errors (CSP violations
  // among them), uncaught exceptions and failed subresources.
  watch(page) {
    page.on('response', (resp) => {
      const req = resp.request();
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
        this.result.navigations.push(`${resp.status()} ${resp.url()}`);
      } else if (resp.status() >= 400) {
        this.result.badResponses.push(`${resp.status()} ${resp.url()}`);
      }
    });
    page.on('requestfailed', (req) => {
      // A navigation replaced by the next one is aborted, not failed.
      if (req.failure()?.errorText === 'net::ERR_ABORTED' && req.isNavigationRequest()) return;
      this.result.badResponses.push(`failed ${req.url()}: ${req.failure()?.errorText}`);
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // Chrome asks every origin for /favicon.ico by itself; neither the
      // portal nor the issuer has one. Noted, not an error of the page.
      if (msg.location().url?.endsWith('/favicon.ico')) {
        this.result.faviconMissing = true;
        return;
      }
      // Chrome logs every 4xx/5xx as "Failed to load resource". For a page
      // (a 403 page, say) the status is the test's to judge; subresources
      // are in badResponses.
      if (msg.text().startsWith('Failed to load resource')) return;
      this.result.consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.result.consoleErrors.push(`${page.url()}: uncaught ${err.message}`));
  }

  // screenshot saves the whole page as NN-name.png.
  async screenshot(page, name) {
    this.shot += 1;
    const file = `${String(this.shot).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: join(this.input.screenshots, file), fullPage: true });
    this.result.screenshots.push(file);
    log(`screenshot ${file} (${page.url()})`);
  }

  // goto loads a portal path and returns the main document's status.
  async goto(page, path) {
    const resp = await page.goto(new URL(path, this.input.portalURL).toString(), { waitUntil: 'load' });
    return resp ? resp.status() : 0;
  }

  // signInCount is how many sign-ins the portal started (navigations to its
  // /signin, each of which goes to the issuer): one per sign-in; more would
  // be a loop.
  signInCount() {
    const signin = new URL('/signin', this.input.portalURL).toString();
    return this.result.navigations.filter((n) => {
      const url = n.slice(n.indexOf(' ') + 1);
      return url === signin || url.startsWith(signin + '?');
    }).length;
  }
}

// run reads the input, runs body(scenario) and prints the result. A step that
// throws ends the run with its message and a screenshot of where it was.
export async function run(body) {
  const input = await readStdin();
  const s = new Scenario(input);
  try {
    await s.launch();
    await body(s);
  } catch (err) {
    s.result.error = String(err?.stack ?? err);
    log(`FAILED: ${s.result.error}`);
    if (s.current && !s.current.isClosed()) {
      try { await s.screenshot(s.current, 'failure'); } catch (e) { log(`no failure screenshot: ${e}`); }
    }
  } finally {
    if (s.browser) await s.browser.close();
  }
  process.stdout.write(JSON.stringify(s.result) + '\n');
}

// fillIssuerSignIn fills in and submits the issuer's sign-in form, and waits
// until the browser is back on the portal (or on backTo, the base URL of
// another client such as the admin centre).
//
// Should Chrome block the redirect to the portal that answers the form (the
// sign-in page's Content-Security-Policy form-action applies to the
// redirects after a submission, so it must allow the client's redirect
// URI), the block is recorded in formActionBlocked, which fails the Go test,
// and the browser loads the authorize URL again, as a person would: the
// issuer's new session answers it with a plain redirect to the portal, and
// the scenario goes on.
export async function fillIssuerSignIn(s, page, creds, shotName, backTo = s.input.portalURL) {
  await page.locator('#username').waitFor();
  if (shotName) await s.screenshot(page, shotName);
  await page.fill('#username', creds.username);
  await page.fill('#password', creds.password);
  const formPage = page.url();
  const backOnPortal = (u) => u.toString().startsWith(backTo);
  try {
    await Promise.all([page.waitForURL(backOnPortal, { waitUntil: 'load' }), page.click('button[type=submit]')]);
  } catch (err) {
    // The console message may come a moment after the aborted navigation.
    const blocked = () => s.result.consoleErrors.some((e) => e.includes('form-action'));
    for (let i = 0; i < 20 && !blocked(); i++) await page.waitForTimeout(100);
    if (!blocked()) throw err;
    // Reported once, as formActionBlocked, not also as a console error.
    s.result.consoleErrors = s.result.consoleErrors.filter((e) => !e.includes('form-action'));
    (s.result.formActionBlocked ??= []).push(new URL(formPage).pathname);
    log('Chrome blocked the redirect after the sign-in form (CSP form-action); loading the authorize URL again');
    await page.goto(formPage, { waitUntil: 'load' });
    await page.waitForURL(backOnPortal, { waitUntil: 'load' });
  }
}

// signIn starts at the portal's landing page, clicks "Sign in", signs in at
// the issuer and waits for the portal's overview.
export async function signIn(s, page, creds, { landingShot, issuerShot } = {}) {
  await s.goto(page, '/');
  await page.locator('#signin-button').waitFor();
  if (landingShot) await s.screenshot(page, landingShot);
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(s.input.issuerURL)), page.click('#signin-button')]);
  await fillIssuerSignIn(s, page, creds, issuerShot);
  await page.locator('#signout-button').waitFor();
}

// signOut submits the header's sign-out form and waits for /signed-out.
export async function signOut(s, page) {
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(new URL('/signed-out', s.input.portalURL).toString()), { waitUntil: 'load' }),
    page.click('#signout-button'),
  ]);
}

// text is the trimmed text of the first element matching selector, or null.
export async function text(page, selector) {
  const el = page.locator(selector).first();
  return (await el.count()) ? (await el.innerText()).trim() : null;
}

// attr is an attribute of the first element matching selector, or null.
export async function attr(page, selector, name) {
  const el = page.locator(selector).first();
  return (await el.count()) ? el.getAttribute(name) : null;
}

// value is an input's or textarea's value, or null.
export async function value(page, selector) {
  const el = page.locator(selector).first();
  return (await el.count()) ? el.inputValue() : null;
}

// avatar describes an avatar (place "header" or "account") once its picture
// has loaded or failed: its state, the img's URL and natural size, and the
// initials.
export async function avatar(page, place) {
  const box = `#avatar-${place}`;
  if (!(await page.locator(box).count())) return null;
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    return el && el.getAttribute('data-avatar-state') !== 'loading';
  }, box, { timeout: 10_000 }).catch(() => {});
  return page.locator(box).evaluate((el) => {
    const img = el.querySelector('img');
    return {
      state: el.getAttribute('data-avatar-state'),
      src: img ? img.getAttribute('src') : null,
      naturalWidth: img ? img.naturalWidth : 0,
      initials: el.querySelector('.avatar-initials')?.textContent.trim() ?? null,
    };
  });
}

// header is what the page's header shows about the signed-in user.
export async function header(page) {
  return {
    userName: await text(page, '#user-name'),
    sessionRemaining: await text(page, '#session-remaining'),
    avatar: await avatar(page, 'header'),
  };
}

// Helpers of the admin centre's scenarios (admin-guide.mjs,
// admin-refused.mjs). The admin centre is a client of the issuer's HTTP
// listener; its base URL is params.adminURL.
import { fillIssuerSignIn, text } from './lib.mjs';

// adminSignIn opens the admin centre's landing page, keeps the tenant it
// offers, clicks "Sign in" and signs in at the issuer. It returns the
// landing page's tenant field and the status of the page the sign-in ends
// on (the overview, or the refusal).
export async function adminSignIn(s, page, adminURL, creds, { landingShot, issuerShot } = {}) {
  await page.goto(adminURL, { waitUntil: 'load' });
  await page.locator('#signin-form').waitFor();
  const tenant = await page.inputValue('#tenant');
  if (landingShot) await s.screenshot(page, landingShot);
  await Promise.all([page.waitForURL((u) => !u.toString().startsWith(adminURL)), page.click('#signin-button')]);
  const n = s.result.navigations.length;
  await fillIssuerSignIn(s, page, creds, issuerShot, adminURL);
  const back = s.result.navigations.slice(n).filter((nav) => nav.includes(` ${adminURL}`)).pop() ?? '';
  return { tenant, status: Number(back.split(' ')[0]) || 0 };
}

// follow clicks selector (a link or a form's button) and waits for the next
// document; it fails unless the browser then is at want (a path with its
// query, compared as a prefix), saying which error the page shows instead.
export async function follow(page, adminURL, selector, want) {
  await page.locator(selector).first().waitFor();
  await Promise.all([page.waitForEvent('load'), page.locator(selector).first().click()]);
  const at = pathOf(page.url(), adminURL);
  if (!at.startsWith(want)) {
    const why = await text(page, '#form-error, #problem-detail, #refused');
    throw new Error(`after clicking ${selector}: at ${at}, want ${want}${why ? ` (the page says: ${why})` : ''}`);
  }
}

// pathOf is an admin centre URL's path and query.
export function pathOf(url, adminURL) {
  const u = new URL(url);
  return u.toString().startsWith(adminURL) ? u.pathname + u.search : u.toString();
}

// layoutFacts is what every signed-in page shows: its title, the notice
// after a change, and the page's form error, if any.
export async function layoutFacts(page) {
  return {
    title: await text(page, '#page-title'),
    notice: await text(page, '#notice'),
    error: await text(page, '#form-error'),
  };
}

// shot saves a screenshot of an admin page and notes what of it does not
// fit the viewport's width: how far the document scrolls sideways, and the
// tables whose columns are cut off in their scrolling box. The Go test logs
// these for the reader of the screenshots.
export async function shot(s, page, name) {
  await s.screenshot(page, name);
  const fit = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    clipped: [...document.querySelectorAll('.table-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => `${w.querySelector('table')?.id || 'table'} needs ${w.scrollWidth}px of ${w.clientWidth}px`),
  }));
  if (fit.overflow > 0 || fit.clipped.length) {
    (s.result.layout ??= []).push({ shot: s.result.screenshots.at(-1), ...fit });
  }
}

// A user without an administrative directory role (alex) signs in to the
// admin centre: the refusal page; a bookmarked admin page refuses him again
// instead of showing it; "Sign in with another account" ends his sign-in
// session, so the next sign-in asks for credentials.
// params: { adminURL, user: {username, password} }.
import { run, text } from './lib.mjs';
import { adminSignIn, shot } from './adminlib.mjs';

await run(async (s) => {
  const { adminURL, user } = s.params;
  const base = adminURL.replace(/\/$/, '') + '/';
  const page = await s.newPage();
  const r = s.result;
  const path = () => new URL(page.url()).pathname;

  r.signin = await adminSignIn(s, page, base, user, { landingShot: 'landing', issuerShot: 'issuer-signin' });
  await page.locator('#refused').waitFor();
  r.refused = {
    path: path(),
    title: await text(page, '#page-title'),
    user: await text(page, '#refused-user'),
    text: await text(page, '#refused'),
    signedIn: (await page.locator('#signout-button').count()) > 0,
    navLinks: await page.locator('nav.sidenav a').count(),
  };
  await shot(s, page, 'refused');

  // A bookmarked admin page: still signed in at the issuer, alex goes
  // through sign-in without a form and is refused again.
  const resp = await page.goto(`${base}applications`, { waitUntil: 'load' });
  r.deepLink = {
    path: path(),
    status: resp ? resp.status() : 0,
    refused: (await page.locator('#refused').count()) > 0,
    applications: (await page.locator('#applications-table').count()) > 0,
  };
  await shot(s, page, 'refused-deep-link');

  // Sign in with another account: the issuer's logout, back to the admin
  // centre's signed-out page; signing in again shows the form.
  await Promise.all([page.waitForURL(`${base}signed-out`, { waitUntil: 'load' }), page.click('#refused-signout')]);
  r.signedOut = { path: path(), title: await text(page, '#page-title') };
  await shot(s, page, 'signed-out');
  await Promise.all([page.waitForURL(base, { waitUntil: 'load' }), page.click('#signin-again')]);
  await Promise.all([page.waitForURL((u) => !u.toString().startsWith(base), { waitUntil: 'load' }), page.click('#signin-button')]);
  r.again = { formShown: (await page.locator('#username').count()) > 0, usernameValue: await page.locator('#username').inputValue().catch(() => null) };
  await shot(s, page, 'issuer-signin-again');
});

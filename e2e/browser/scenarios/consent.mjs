// The login host's consent page in Chromium. alex asks a new app for
// User.Read: the page lists the permissions with their labels, offers no
// organization-wide consent, and Accept returns a code to the app. adele
// (Global Administrator) asks the same app for .default: the page lists
// the admin-only Directory.AccessAsUser.All too, she consents on behalf of
// the organization, and gets a code. The app's redirect URI is a loopback
// page of the Go test.
// params: { authorizeURL, redirectURI, alex: {username, password}, adele: {username, password} }.
import { run, text } from './lib.mjs';

await run(async (s) => {
  const { authorizeURL, redirectURI, alex, adele } = s.params;
  const r = s.result;

  // consent signs in at authorizeURL, records the consent page, optionally
  // checks "on behalf of your organization", accepts, and records where
  // the browser went.
  async function consent(who, creds, scope, { forOrg }) {
    const page = await s.newPage();
    await page.goto(`${authorizeURL}&scope=${encodeURIComponent(scope)}`, { waitUntil: 'load' });
    await page.locator('#username').waitFor();
    await page.fill('#username', creds.username);
    await page.fill('#password', creds.password);
    await Promise.all([page.waitForURL((u) => !u.toString().startsWith(redirectURI) && u.toString() !== page.url(), { waitUntil: 'load' }).catch(() => {}),
      page.click('button[type=submit]')]);
    await page.locator('ul.permissions').waitFor();
    const view = {
      title: await text(page, '#page-title'),
      permissions: await page.locator('ul.permissions li').evaluateAll((els) => els.map((e) => ({
        value: e.querySelector('code')?.textContent ?? '', admin: !!e.querySelector('.badge.admin'),
      }))),
      forOrgOffered: (await page.locator('#on-behalf-of-org').count()) > 0,
    };
    await s.screenshot(page, `${who}-consent`);
    if (forOrg) await page.check('#on-behalf-of-org');
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(redirectURI), { waitUntil: 'load' }),
      page.click('button[name=decision][value=accept]')]);
    const back = new URL(page.url());
    view.code = !!back.searchParams.get('code');
    view.error = back.searchParams.get('error');
    return view;
  }

  r.alex = await consent('alex', alex, 'openid User.Read', { forOrg: false });
  r.adele = await consent('adele', adele, 'https://graph.microsoft.com/.default', { forOrg: true });
});

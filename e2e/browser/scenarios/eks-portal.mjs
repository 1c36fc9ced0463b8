// The portal configured with the eks app (a second `gatehouse portal`): a
// user whose eks claims were set in the admin centre signs in; the overview
// and the account page show the default namespace and the avatar from the
// ID token's default_namespace and picture, and the ID token lasts as long
// as the app's token lifetime policy says. params: { user }.
import { run, signIn, text, attr, avatar, header } from './lib.mjs';

await run(async (s) => {
  const { user } = s.params;
  const page = await s.newPage();
  const r = s.result;

  await signIn(s, page, user, { landingShot: 'landing', issuerShot: 'issuer-signin' });
  r.home = {
    url: page.url(),
    title: await text(page, '#page-title'),
    defaultNamespace: await text(page, '#home-default-namespace'),
    defaultSource: await attr(page, '#home-default-namespace-source', 'data-source'),
    header: await header(page),
  };
  await s.screenshot(page, 'home');

  await s.goto(page, '/account');
  r.account = {
    claim: await text(page, '#claim-namespaces'),
    pictureNote: await text(page, '#profile-picture-note'),
    avatar: await avatar(page, 'account'),
    // Signed in, session end, ID token expiry (RFC 3339).
    session: await page.locator('section[aria-labelledby="session-title"] time')
      .evaluateAll((els) => els.map((e) => e.getAttribute('datetime'))),
  };
  await s.screenshot(page, 'account');
});

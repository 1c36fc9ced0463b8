// A user without the namespace claim: the empty states, a namespace set by
// hand on the account page, and the same settings after signing out and in
// again. params: { user: {username, password}, defaultNamespace, allowed }.
import { run, signIn, signOut, fillIssuerSignIn, text, attr, value, avatar } from './lib.mjs';

await run(async (s) => {
  const { user, defaultNamespace, allowed } = s.params;
  const page = await s.newPage();
  const r = s.result;

  await signIn(s, page, user);
  await s.screenshot(page, 'home-empty');
  r.before = {
    defaultNamespace: await text(page, '#home-default-namespace'),
    emptyStates: await page.locator('.empty .empty-title').evaluateAll((els) => els.map((e) => e.textContent.trim())),
    avatar: await avatar(page, 'header'),
  };

  await s.goto(page, '/account');
  r.accountBefore = {
    defaultNamespace: await value(page, '#default_namespace'),
    defaultSource: await attr(page, '#default-namespace-source', 'data-source'),
    claim: await text(page, '#claim-namespaces'),
  };
  await page.fill('#default_namespace', defaultNamespace);
  await page.fill('#allowed_namespaces', allowed.join('\n'));
  await Promise.all([page.waitForURL('**/account?saved=1'), page.click('#settings-save')]);
  r.saved = {
    notice: await text(page, '#settings-saved'),
    defaultNamespace: await value(page, '#default_namespace'),
    defaultSource: await attr(page, '#default-namespace-source', 'data-source'),
    allowed: await page.locator('#allowed-namespaces-sources [data-namespace]').evaluateAll(
      (els) => els.map((e) => ({ name: e.dataset.namespace, source: e.dataset.source }))),
  };
  await s.screenshot(page, 'account-saved');

  await signOut(s, page);
  r.signedOut = { title: await text(page, '#page-title'), url: page.url() };
  await s.screenshot(page, 'signed-out');

  // Signing out ended the issuer's session too: its form must come back.
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(s.input.issuerURL)), page.click('#signin-again')]);
  await fillIssuerSignIn(s, page, user, 'issuer-signin-again');
  await page.locator('#signout-button').waitFor();
  r.after = {
    url: page.url(),
    defaultNamespace: await text(page, '#home-default-namespace'),
    defaultSource: await attr(page, '#home-default-namespace-source', 'data-source'),
    allowed: await page.locator('#home-allowed-namespaces [data-namespace]').evaluateAll((els) => els.map((e) => e.dataset.namespace)),
  };
  await s.screenshot(page, 'home-after-signin');

  await s.goto(page, '/namespaces');
  r.namespaces = {
    limited: (await page.locator('#list-limited').count()) > 0,
    rows: await page.locator('#namespaces-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.namespace)),
  };
  await s.screenshot(page, 'namespaces-allowed-only');
  r.signInCount = s.signInCount();
});

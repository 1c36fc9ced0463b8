// A user whose ID token has default_namespace and picture (adele): the
// overview, the account settings, the namespace list and the pods of the
// claim's namespace. params: { user: {username, password}, namespace }.
import { run, signIn, text, attr, value, avatar, header } from './lib.mjs';

await run(async (s) => {
  const { user, namespace } = s.params;
  const page = await s.newPage();
  const r = s.result;

  await signIn(s, page, user, { landingShot: 'landing', issuerShot: 'issuer-signin' });
  await s.screenshot(page, 'home');
  r.home = {
    url: page.url(),
    title: await text(page, '#page-title'),
    defaultNamespace: await text(page, '#home-default-namespace'),
    defaultSource: await attr(page, '#home-default-namespace-source', 'data-source'),
    allowed: await page.locator('#home-allowed-namespaces [data-namespace]').evaluateAll((els) => els.map((e) => e.dataset.namespace)),
    header: await header(page),
  };
  await page.emulateMedia({ colorScheme: 'dark' });
  await s.screenshot(page, 'home-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await s.goto(page, '/account');
  r.account = {
    defaultNamespace: await value(page, '#default_namespace'),
    defaultSource: await attr(page, '#default-namespace-source', 'data-source'),
    allowed: await page.locator('#allowed-namespaces-sources [data-namespace]').evaluateAll(
      (els) => els.map((e) => ({ name: e.dataset.namespace, source: e.dataset.source }))),
    claim: await text(page, '#claim-namespaces'),
    kubeUsername: await text(page, '#kube-username'),
    kubeGroups: await page.locator('#kube-groups .chip').evaluateAll((els) => els.map((e) => e.textContent.trim())),
    pictureNote: await text(page, '#profile-picture-note'),
    avatar: await avatar(page, 'account'),
  };
  await s.screenshot(page, 'account');

  await s.goto(page, '/namespaces');
  r.namespaces = {
    limited: (await page.locator('#list-limited').count()) > 0,
    rows: await page.locator('#namespaces-table tbody tr').evaluateAll((els) => els.map((e) => ({
      name: e.dataset.namespace,
      allowed: !!e.querySelector('.badge-allowed'),
      isDefault: !!e.querySelector('.badge-default'),
    }))),
  };
  await s.screenshot(page, 'namespaces');

  // From the list to the namespace, as a person would.
  await Promise.all([page.waitForURL(`**/namespaces/${namespace}`), page.click(`#namespaces-table tr[data-namespace="${namespace}"] a`)]);
  r.namespace = {
    title: await text(page, '#page-title'),
    tabs: await page.locator('.tabs a').evaluateAll((els) => els.map((e) => e.id.replace(/^tab-/, ''))),
    pods: await page.locator('#pods-table tbody tr').evaluateAll((els) => els.map((e) => ({
      name: e.dataset.name,
      cells: [...e.querySelectorAll('td')].map((td) => td.textContent.trim()),
    }))),
  };
  await s.screenshot(page, 'namespace-pods');
});

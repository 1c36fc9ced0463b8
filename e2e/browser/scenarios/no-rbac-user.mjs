// A user no role binding covers (alex): the namespace list falls back to the
// allowed namespaces, and the namespace page explains the 403 with the user
// and groups the API server derived. params: { user, namespace }.
import { run, signIn, text, avatar } from './lib.mjs';

await run(async (s) => {
  const { user, namespace } = s.params;
  const page = await s.newPage();
  const r = s.result;

  await signIn(s, page, user);
  r.home = {
    defaultNamespace: await text(page, '#home-default-namespace'),
    avatar: await avatar(page, 'header'),
  };
  await s.screenshot(page, 'home-initials');

  await s.goto(page, '/namespaces');
  r.namespaces = {
    limited: (await page.locator('#list-limited').count()) > 0,
    rows: await page.locator('#namespaces-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.namespace)),
  };
  await s.screenshot(page, 'namespaces-limited');

  r.forbiddenStatus = await s.goto(page, `/namespaces/${namespace}`);
  r.forbidden = {
    present: (await page.locator('#forbidden').count()) > 0,
    title: await text(page, '#page-title'),
    permission: await text(page, '#missing-permission'),
    username: await text(page, '#forbidden-username'),
    groups: await page.locator('#forbidden-groups .chip').evaluateAll((els) => els.map((e) => e.textContent.trim())),
    hint: await text(page, '#rolebinding-hint'),
    identityNote: await text(page, '#forbidden-identity-note'),
  };
  await s.screenshot(page, 'forbidden');
  r.signInCount = s.signInCount();
});

// The guide's click path in the admin centre, as an administrator (adele),
// in phases the Go test separates with what the guide does elsewhere (Graph
// requests, kubelogin); the browser's cookies go from one phase to the next
// in a storage state file. Every page visited is saved as a screenshot.
// params: { phase, adminURL, admin: {username, password}, storageState,
//   app: {clientId, name}, user: {id, upn}, permission, redirectURIs,
//   claims: [{name, extension}], policy: {name, lifetime} }.
//   consent:  sign in; App registrations → eks → API permissions: add an
//             application permission, Grant admin consent; Authentication:
//             add redirect URIs.
//   claims:   Users → the user's extension attributes (set through Graph);
//             Enterprise applications → eks → Single sign-on → Add new claim
//             with a directory schema extension, for each claim; the
//             AADSTS50146 banner; the user's sign-in test.
//   manifest: the banner's "Fix it in the manifest": acceptMappedClaims
//             true, saved; the banner gone; Token lifetime policies → New
//             policy; eks → Token lifetime: assign it; the sign-in test
//             again; the audit log.
import { run, text } from './lib.mjs';
import { adminSignIn, follow, pathOf, layoutFacts, shot } from './adminlib.mjs';

// permissionRows are the API permissions table's rows.
async function permissionRows(page) {
  return page.locator('#permissions-table tbody tr').evaluateAll((els) => els.map((e) => ({
    permission: e.dataset.permission, type: e.dataset.type, granted: e.dataset.granted === 'true',
    status: e.querySelector('.status')?.textContent.trim() ?? null,
  })));
}

// claimRows are the Attributes & Claims table's rows.
async function claimRows(page) {
  return page.locator('#claims-table tbody tr').evaluateAll((els) => els.map((e) => ({
    name: e.dataset.claim,
    cells: [...e.querySelectorAll('th, td')].map((c) => c.textContent.replace(/\s+/g, ' ').trim()),
  })));
}

// banner is the AADSTS50146 banner's text, or null.
async function banner(page) {
  return text(page, '#mapped-claims-banner');
}

// signInTest runs the user page's sign-in test for the app (v1.0 tokens,
// as kubelogin in the guide) and returns what it predicts.
async function signInTest(s, page, base, userID, app, shotName) {
  await page.goto(`${base}users/${userID}`, { waitUntil: 'load' });
  await page.selectOption('#app', { label: app });
  await page.check('#signin-test-form input[name="version"][value="1"]');
  await follow(page, base, '#run-signin-test', `/users/${userID}/signin-test?`);
  await page.locator('#signin-test-result').waitFor();
  const result = {
    failure: await text(page, '#signin-test-failure'),
    lifetime: await text(page, '#signin-test-lifetime'),
    claims: await page.locator('#signin-test-claims tbody tr').evaluateAll((els) => Object.fromEntries(
      els.map((e) => [e.dataset.claim, e.querySelector('td')?.textContent.trim() ?? '']))),
  };
  await shot(s, page, shotName);
  return result;
}

await run(async (s) => {
  const p = s.params;
  const base = p.adminURL.replace(/\/$/, '') + '/';
  const r = s.result;
  const at = (page) => pathOf(page.url(), base.slice(0, -1));
  const go = (page, sel, want) => follow(page, base.slice(0, -1), sel, want);
  // Through the side navigation to eks's app registration and its
  // enterprise application's Single sign-on page.
  const openApp = async (page) => {
    await go(page, '#nav-applications', '/applications');
    await go(page, `#applications-table tr[data-app-id="${p.app.clientId}"] a`, '/applications/');
  };
  const openSSO = async (page) => {
    await go(page, '#nav-enterprise', '/enterprise-applications');
    await go(page, `#enterprise-table tr[data-app-id="${p.app.clientId}"] a`, `/enterprise-applications/${p.sp}`);
    await go(page, '#tab-sso', `/enterprise-applications/${p.sp}/sso`);
  };

  switch (p.phase) {
    case 'consent': {
      const page = await s.newPage();
      r.signin = await adminSignIn(s, page, base, p.admin, { landingShot: 'landing', issuerShot: 'issuer-signin' });
      await page.locator('#signout-button').waitFor();
      r.overview = {
        at: at(page), title: await text(page, '#page-title'), tenantID: await text(page, '#tenant-id'),
        user: await text(page, '#user-name'), roles: await text(page, '#user-roles'),
      };
      await shot(s, page, 'overview');

      await go(page, '#nav-applications', '/applications');
      await shot(s, page, 'app-registrations');
      await go(page, `#applications-table tr[data-app-id="${p.app.clientId}"] a`, '/applications/');
      r.app = {
        title: await text(page, '#page-title'), clientId: await text(page, '#app-client-id'),
        objectId: await text(page, '#app-object-id'), tenantId: await text(page, '#app-tenant-id'),
      };
      await shot(s, page, 'app-overview');
      const appPath = `/applications/${r.app.objectId}`;

      await go(page, '#tab-permissions', `${appPath}/permissions`);
      r.permissionsBefore = await permissionRows(page);
      await shot(s, page, 'api-permissions');
      await go(page, '#add-permission', `${appPath}/permissions/add?type=application`);
      await page.check(`#add-permissions-form input[data-value="${p.permission}"]`);
      await shot(s, page, 'request-api-permissions');
      await go(page, '#add-permissions', `${appPath}/permissions?done=permissions-added`);
      r.permissionsAdded = {
        ...await layoutFacts(page), rows: await permissionRows(page),
        consentNeeded: await text(page, '#consent-needed'),
      };
      await shot(s, page, 'api-permissions-added');
      await go(page, '#grant-consent', `${appPath}/permissions?done=consent`);
      r.permissionsGranted = {
        ...await layoutFacts(page), rows: await permissionRows(page),
        consentNeeded: await text(page, '#consent-needed'),
      };
      await shot(s, page, 'api-permissions-granted');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(s, page, 'api-permissions-granted-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      await go(page, '#tab-authentication', `${appPath}/authentication`);
      await shot(s, page, 'authentication');
      const uris = (await page.inputValue('#web_redirect_uris')).split('\n').map((u) => u.trim()).filter(Boolean);
      await page.fill('#web_redirect_uris', [...uris, ...p.redirectURIs].join('\n'));
      await go(page, '#save-authentication', `${appPath}/authentication?done=saved`);
      r.authentication = {
        ...await layoutFacts(page),
        redirectURIs: (await page.inputValue('#web_redirect_uris')).split('\n').map((u) => u.trim()).filter(Boolean),
      };
      await shot(s, page, 'authentication-saved');
      await page.context().storageState({ path: p.storageState });
      break;
    }

    case 'claims': {
      const page = await s.newPage({ storageState: p.storageState });
      await page.goto(base, { waitUntil: 'load' });
      await go(page, '#nav-users', '/users');
      await shot(s, page, 'users');
      await go(page, `#users-table tr[data-upn="${p.user.upn}"] a`, `/users/${p.user.id}`);
      r.user = {
        title: await text(page, '#page-title'),
        extensions: await page.locator('#extensions-form [data-extension]').evaluateAll((els) => Object.fromEntries(
          els.map((e) => [e.dataset.extension, e.querySelector('input, textarea')?.value ?? null]))),
      };
      await shot(s, page, 'user-extension-attributes');

      await go(page, '#nav-enterprise', '/enterprise-applications');
      await shot(s, page, 'enterprise-applications');
      await go(page, `#enterprise-table tr[data-app-id="${p.app.clientId}"] a`, '/enterprise-applications/');
      r.sp = { title: await text(page, '#page-title'), objectId: await text(page, '#sp-object-id') };
      await shot(s, page, 'enterprise-app-overview');
      const sso = `/enterprise-applications/${r.sp.objectId}/sso`;
      await go(page, '#tab-sso', sso);
      r.ssoBefore = { claims: await claimRows(page), banner: await banner(page) };
      await shot(s, page, 'single-sign-on');

      r.added = [];
      for (const c of p.claims) {
        const step = {};
        await go(page, '#add-claim', `${sso}/claim`);
        await page.fill('#name', c.name);
        await page.check('#claim-source-form input[name="source"][value="extension"]');
        await shot(s, page, `add-claim-${c.name}-source`);
        await go(page, '#claim-continue', `${sso}/claim?`);
        // Select Application: the app that owns the extension, by its name.
        step.apps = await page.locator('#claim-app-form label.choice').evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
        await page.locator('#claim-app-form label.choice', { hasText: p.app.name }).first().locator('input').check();
        await shot(s, page, `add-claim-${c.name}-select-application`);
        await go(page, '#claim-select-app', `${sso}/claim?`);
        // Add Extension Attributes: user.<name>.
        step.extensions = await page.locator('#claim-extension-form label.choice code').evaluateAll((els) => els.map((e) => e.textContent.trim()));
        await page.locator('#claim-extension-form label.choice', { hasText: `user.${c.name}` }).first().locator('input').check();
        await shot(s, page, `add-claim-${c.name}-extension`);
        await go(page, '#claim-add-extension', `${sso}/claim?`);
        step.review = { name: await text(page, '#review-name'), attribute: await text(page, '#review-attribute') };
        await shot(s, page, `add-claim-${c.name}-save`);
        await go(page, '#claim-save', `${sso}?done=claim-added`);
        step.notice = await text(page, '#notice');
        r.added.push(step);
      }
      r.ssoAfter = { claims: await claimRows(page), banner: await banner(page) };
      await shot(s, page, 'single-sign-on-aadsts50146');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(s, page, 'single-sign-on-aadsts50146-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      r.signInTest = await signInTest(s, page, base, p.user.id, p.app.name, 'user-signin-test-aadsts50146');
      await page.context().storageState({ path: p.storageState });
      break;
    }

    case 'manifest': {
      const page = await s.newPage({ storageState: p.storageState });
      await page.goto(base, { waitUntil: 'load' });
      await openSSO(page);
      r.bannerBefore = await banner(page);
      // The banner's own way to the fix.
      await go(page, '#fix-in-manifest', `/applications/`);
      const appPath = at(page).replace(/\/manifest.*$/, '');
      const manifest = await page.inputValue('#manifest');
      r.manifestBefore = (manifest.match(/"acceptMappedClaims":\s*[^,\n]*/) ?? [null])[0];
      await shot(s, page, 'manifest');
      // As a person would: change the one value in the editor.
      await page.fill('#manifest', manifest.replace(/"acceptMappedClaims":\s*(null|false)/, '"acceptMappedClaims": true'));
      await go(page, '#save-manifest', `${appPath}/manifest?done=saved`);
      r.manifestSaved = {
        ...await layoutFacts(page),
        value: ((await page.inputValue('#manifest')).match(/"acceptMappedClaims":\s*[^,\n]*/) ?? [null])[0],
      };
      await shot(s, page, 'manifest-saved');
      await openSSO(page);
      r.bannerAfter = await banner(page);
      r.claims = await claimRows(page);
      await shot(s, page, 'single-sign-on-accepted');

      await go(page, '#nav-policies', '/token-lifetime-policies');
      await shot(s, page, 'token-lifetime-policies');
      await go(page, '#new-policy', '/token-lifetime-policies/new');
      await page.fill('#name', p.policy.name);
      await page.fill('#lifetime', p.policy.lifetime);
      await shot(s, page, 'token-lifetime-policy-new');
      await go(page, '#create-policy', '/token-lifetime-policies?done=created');
      const policyRows = () => page.locator('#policies-table tbody tr').evaluateAll((els) => els.map((e) => ({
        name: e.dataset.policy, cells: [...e.querySelectorAll('td')].map((c) => c.textContent.replace(/\s+/g, ' ').trim()),
      })));
      r.policyCreated = { notice: await text(page, '#notice'), rows: await policyRows() };
      await shot(s, page, 'token-lifetime-policy-created');

      await openApp(page);
      await go(page, '#tab-token-lifetime', `${appPath}/token-lifetime`);
      r.lifetimeBefore = await text(page, '#effective-lifetime');
      const option = page.locator('#policy_id option', { hasText: p.policy.name }).first();
      r.policyOption = (await option.textContent()).trim();
      await page.selectOption('#policy_id', await option.getAttribute('value'));
      await shot(s, page, 'app-token-lifetime');
      await go(page, '#assign-existing', `${appPath}/token-lifetime?done=policy-assigned`);
      r.lifetimeAssigned = {
        notice: await text(page, '#notice'), effective: await text(page, '#effective-lifetime'),
        assigned: await page.locator('#assigned-policies tbody tr').evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim())),
      };
      await shot(s, page, 'app-token-lifetime-assigned');
      await go(page, '#nav-policies', '/token-lifetime-policies');
      r.policies = await policyRows();
      await shot(s, page, 'token-lifetime-policies-applied');

      r.signInTest = await signInTest(s, page, base, p.user.id, p.app.name, 'user-signin-test-claims');

      await go(page, '#nav-audit', '/audit');
      r.audit = await page.locator('#audit-table tbody tr').evaluateAll((els) => els.map((e) => ({
        activity: e.dataset.activity, result: e.dataset.result, actorType: e.dataset.actorType,
        by: e.querySelectorAll('td')[3]?.firstChild?.textContent.trim() ?? '',
      })));
      await shot(s, page, 'audit-logs');

      // Roles and administrators: Global Administrator lists who holds it.
      await go(page, '#nav-roles', '/roles');
      await shot(s, page, 'roles');
      await go(page, '#roles-table tr[data-role="Global Administrator"] a', '/roles/');
      r.globalAdmins = await page.locator('#assignments-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.holder));
      await shot(s, page, 'role-global-administrator');
      break;
    }

    default:
      throw new Error(`unknown phase ${p.phase}`);
  }
});

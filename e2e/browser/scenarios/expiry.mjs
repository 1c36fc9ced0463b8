// Session expiry, in phases the Go test separates by restarting `gatehouse
// dev` with a shifted clock; the browser's cookies go from one phase to the
// next in a storage state file. params: { phase, user, storageState,
// namespace }.
//   signin:  sign in; the account page's session facts.
//   refresh: (portal clock past the ID token's expiry) the overview still
//            signed in, no trip to the issuer; the account page's facts.
//   ended:   (portal clock past the session's end) a deep link goes to one
//            sign-in, not a loop; the overview says the session ended and
//            signing in again works.
import { run, signIn, fillIssuerSignIn, text } from './lib.mjs';

// sessionFacts reads the account page's session section.
async function sessionFacts(page) {
  const times = await page.locator('section[aria-labelledby="session-title"] time')
    .evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
  return {
    signedInAt: times[0] ?? null,
    sessionEndsAt: times[1] ?? null,
    idTokenExpiresAt: times[2] ?? null,
    remaining: await text(page, '#account-session-remaining'),
  };
}

await run(async (s) => {
  const { phase, user, storageState, namespace } = s.params;
  const r = s.result;
  const navsSince = (n) => s.result.navigations.slice(n);

  switch (phase) {
    case 'signin': {
      const page = await s.newPage();
      await signIn(s, page, user);
      await s.goto(page, '/account');
      r.session = await sessionFacts(page);
      await s.screenshot(page, 'account-10-minute-token');
      await page.context().storageState({ path: storageState });
      break;
    }
    case 'refresh': {
      const page = await s.newPage({ storageState });
      await s.goto(page, '/');
      r.home = { url: page.url(), signedIn: (await page.locator('#signout-button').count()) > 0, title: await text(page, '#page-title') };
      await s.screenshot(page, 'home-after-refresh');
      await s.goto(page, '/account');
      r.session = await sessionFacts(page);
      await s.screenshot(page, 'account-after-refresh');
      r.signInCount = s.signInCount();
      break;
    }
    case 'ended': {
      // A bookmarked page: straight to the issuer's sign-in form, once.
      const deep = await s.newPage({ storageState });
      let n = s.result.navigations.length;
      await s.goto(deep, `/namespaces/${namespace}`);
      await deep.locator('#username').waitFor();
      r.deepLink = { url: deep.url(), navigations: navsSince(n) };
      await s.screenshot(deep, 'deep-link-signin');
      await deep.context().close();

      // The overview: says the session ended, offers sign-in, which works.
      const page = await s.newPage({ storageState });
      n = s.result.navigations.length;
      await s.goto(page, '/');
      r.landing = {
        ended: await text(page, '#session-ended'),
        signinButton: (await page.locator('#signin-button').count()) > 0,
      };
      await s.screenshot(page, 'session-ended');
      await Promise.all([page.waitForURL((u) => u.toString().startsWith(s.input.issuerURL)), page.click('#signin-button')]);
      await fillIssuerSignIn(s, page, user, 'issuer-signin-again');
      await page.locator('#signout-button').waitFor();
      r.again = { url: page.url(), title: await text(page, '#page-title'), navigations: navsSince(n) };
      await s.screenshot(page, 'home-signed-in-again');
      break;
    }
    default:
      throw new Error(`unknown phase ${phase}`);
  }
});

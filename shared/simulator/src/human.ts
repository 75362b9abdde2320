/**
 * People: arrive from a search engine, a social network, another site or directly; read a few
 * pages with heavy-tailed pauses between them; sometimes search, add to cart, log in or buy.
 */
import { humanBrowser, loadPage, missingPage, spaView } from './browsing.js';
import { personVariety } from './layout.js';
import { searchResultsPage, siteUrl, type Category, type Page, type ProductPage, type Site } from './catalogue.js';
import type { Rng } from './random.js';
import { SessionBuilder, type SessionContext, type SessionPlan } from './session.js';
import { browserIdentity } from './user-agents.js';

type Source = 'search' | 'social' | 'direct' | 'other';

const SEARCH_REFERRERS: ReadonlyArray<readonly [string, number]> = [
  // Search engines send only their origin since referrer policies tightened.
  ['https://www.google.com/', 0.8],
  ['https://www.bing.com/', 0.09],
  ['https://duckduckgo.com/', 0.05],
  ['https://www.ecosia.org/', 0.03],
  ['https://search.yahoo.com/', 0.03],
];
const SOCIAL_REFERRERS = [
  'https://l.facebook.com/',
  'https://lm.facebook.com/',
  'https://t.co/',
  'https://www.instagram.com/',
  'https://www.reddit.com/',
  'https://out.reddit.com/',
  'https://www.pinterest.com/',
  'https://www.youtube.com/',
];
const OTHER_SITES = ['www.wirecutter-like-reviews.net', 'deals.example-forum.org', 'www.localnews-daily.com', 'blog.budgetfinds.io', 'www.hobbyist-forum.net'];

type Step =
  | { kind: 'page'; page: Page }
  | { kind: 'listing'; category: Category; index: number }
  | { kind: 'search' }
  | { kind: 'addToCart' }
  | { kind: 'login' }
  | { kind: 'checkoutSubmit' }
  | { kind: 'broken' };

interface Visit {
  page: Page;
  category: Category | null;
  listingIndex: number;
}

function randomCategory(site: Site, rng: Rng): Category {
  return rng.pick(site.categories);
}

function relatedProduct(site: Site, product: ProductPage, rng: Rng): ProductPage {
  const siblings = site.categories[product.category]?.products ?? site.products;
  return rng.pick(siblings.length > 1 ? siblings : site.products);
}

/** Where a person goes next from the page they are on. */
function nextStep(site: Site, at: Visit, rng: Rng): Step {
  if (rng.chance(0.015)) return { kind: 'broken' };
  const product = (): Step => ({ kind: 'page', page: rng.pick(site.products) });
  const category = (): Step => ({ kind: 'listing', category: randomCategory(site, rng), index: 0 });
  const choices = ((): ReadonlyArray<readonly [() => Step, number]> => {
    const page = at.page;
    switch (page.kind) {
      case 'home':
        return [[category, 0.42], [product, 0.2], [() => ({ kind: 'page', page: rng.pick(site.articles) }), 0.1], [() => ({ kind: 'search' }), 0.15], [() => ({ kind: 'page', page: rng.pick(site.info) }), 0.06], [() => ({ kind: 'login' }), 0.04], [() => ({ kind: 'page', page: site.cart }), 0.03]];
      case 'category': {
        const current = at.category;
        const more = current !== null && at.listingIndex + 1 < current.listings.length;
        const inCategory = (): Step => ({ kind: 'page', page: current === null ? rng.pick(site.products) : rng.pick(current.products) });
        return [[inCategory, 0.6], [() => (more && current ? { kind: 'listing', category: current, index: at.listingIndex + 1 } : category()), 0.15], [category, 0.1], [() => ({ kind: 'search' }), 0.1], [() => ({ kind: 'page', page: site.home }), 0.05]];
      }
      case 'product': {
        const current = page as ProductPage;
        return [[() => ({ kind: 'page', page: relatedProduct(site, current, rng) }), 0.33], [() => ({ kind: 'listing', category: site.categories[current.category] ?? randomCategory(site, rng), index: 0 }), 0.17], [() => ({ kind: 'addToCart' }), 0.2], [() => ({ kind: 'search' }), 0.1], [() => ({ kind: 'page', page: site.home }), 0.08], [() => ({ kind: 'page', page: site.cart }), 0.07], [() => ({ kind: 'login' }), 0.02], [() => ({ kind: 'page', page: rng.pick(site.info) }), 0.03]];
      }
      case 'article':
        return [[() => ({ kind: 'page', page: rng.pick(site.articles) }), 0.35], [product, 0.3], [() => ({ kind: 'page', page: site.home }), 0.2], [category, 0.15]];
      case 'search':
        return [[product, 0.65], [() => ({ kind: 'search' }), 0.2], [category, 0.15]];
      case 'cart':
        return [[() => ({ kind: 'page', page: site.checkout }), 0.45], [product, 0.35], [() => ({ kind: 'page', page: site.home }), 0.2]];
      case 'checkout':
        return [[() => ({ kind: 'checkoutSubmit' }), 0.35], [() => ({ kind: 'page', page: site.cart }), 0.35], [product, 0.3]];
      case 'missing':
        return [[() => ({ kind: 'page', page: site.home }), 0.7], [() => ({ kind: 'search' }), 0.3]];
      default:
        return [[() => ({ kind: 'page', page: site.home }), 0.4], [product, 0.3], [category, 0.3]];
    }
  })();
  return rng.weighted(choices)();
}

function landing(site: Site, source: Source, rng: Rng): Visit {
  const visit = (page: Page, category: Category | null = null): Visit => ({ page, category, listingIndex: 0 });
  const categoryVisit = (): Visit => {
    const category = randomCategory(site, rng);
    return visit(category.page, category);
  };
  const kind = rng.weighted<string>(
    source === 'direct'
      ? [['home', 0.72], ['product', 0.14], ['cart', 0.06], ['category', 0.08]]
      : source === 'search'
        ? [['product', 0.45], ['category', 0.28], ['article', 0.15], ['home', 0.12]]
        : [['product', 0.45], ['article', 0.42], ['home', 0.13]],
  );
  switch (kind) {
    case 'product':
      return visit(rng.pick(site.products));
    case 'category':
      return categoryVisit();
    case 'article':
      return visit(rng.pick(site.articles));
    case 'cart':
      return visit(site.cart);
    default:
      return visit(site.home);
  }
}

function landingReferrer(source: Source, rng: Rng): string | null {
  switch (source) {
    case 'search':
      return rng.weighted(SEARCH_REFERRERS);
    case 'social':
      return rng.pick(SOCIAL_REFERRERS);
    case 'other':
      return `https://${rng.pick(OTHER_SITES)}/${rng.pick(['', 'best-of-2025', 'forum/thread/' + rng.int(1000, 99999), 'gift-ideas', 'news/' + rng.int(100, 999)])}`;
    default:
      return null;
  }
}

export function generateHuman(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const identity = browserIdentity(rng, ctx.era);
  // Phones mostly browse over the carrier's network; the rest (and computers) from home broadband.
  const clientIp = ctx.ips.allocate(identity.mobile && rng.chance(0.6) ? 'mobile' : 'residential', rng);
  const b = new SessionBuilder(ctx, rng.chance(0.8) ? 'HTTP/2.0' : 'HTTP/1.1');
  const profile = humanBrowser(rng);

  const source = rng.weighted<Source>([['search', 0.45], ['direct', 0.32], ['social', 0.1], ['other', 0.13]]);
  // Classic sites draw nothing here, so their sessions stay exactly what they were.
  const person = personVariety(site.layout, rng);
  if (person.busy) {
    profile.revalidate = rng.range(0.5, 0.95);
    profile.warmCache = rng.range(0.8, 1);
  }
  let at = landing(site, source, rng);
  let t = ctx.start;
  const landingFrom = landingReferrer(source, rng);
  loadPage(b, site, at.page, t, person.noReferrer ? null : landingFrom, profile, rng);

  // A third leave after one page; the rest read a few, now and then many; busy people hundreds.
  const pagesWanted = person.busy ? rng.int(40, 250) : rng.chance(0.33) ? 1 : Math.min(40, 2 + rng.geometric(3.5));
  // People differ in pace; each pause is log-normal around their own median (seconds to minutes).
  const medianPause = (person.busy ? rng.logUniform(2_500, 9_000) : rng.logUniform(8_000, 40_000)) * site.layout.pace;
  const pause = (): number => Math.min(20 * 60_000, Math.max(person.busy ? 600 : 1_500, rng.logNormal(medianPause, 1.0)));
  // A single-page app fetches later pages as data; a page reload (or a classic site) loads them whole.
  const view = (page: Page, time: number, referrer: string | null): void =>
    site.layout.spa ? spaView(b, site, page, time, referrer, profile, rng) : loadPage(b, site, page, time, referrer, profile, rng);

  for (let views = 1; views < pagesWanted; views++) {
    t += pause();
    if (b.done(t)) break;
    const from = person.noReferrer ? null : siteUrl(site, at.page.path);
    const step = nextStep(site, at, rng);
    switch (step.kind) {
      case 'page':
        at = { page: step.page, category: null, listingIndex: 0 };
        view(step.page, t, from);
        break;
      case 'listing': {
        const page = step.index === 0 ? step.category.page : (step.category.listings[step.index] ?? step.category.page);
        at = { page, category: step.category, listingIndex: step.index };
        view(page, t, from);
        break;
      }
      case 'search': {
        const term = rng.pick(site.theme.nouns.concat(site.searchTerms));
        const results = searchResultsPage(site, term, rng);
        if (site.searchMode === 'post') {
          b.add(t, 'POST', site.searchPath, 302, rng.int(180, 320), from);
          t += rng.range(120, 500);
        }
        at = { page: results, category: null, listingIndex: 0 };
        view(results, t, from);
        break;
      }
      case 'addToCart':
        if (at.page.kind !== 'product') break;
        if (site.cartMode === 'ajax') {
          // An XHR: the page stays, the cart badge updates.
          b.add(t, 'POST', site.cartAddPath, 200, rng.int(220, 900), from);
        } else {
          b.add(t, 'POST', site.cartAddPath, 302, rng.int(180, 320), from);
          at = { page: site.cart, category: null, listingIndex: 0 };
          view(site.cart, t + rng.range(120, 450), from);
        }
        break;
      case 'login': {
        view(site.login, t, from);
        const loginUrl = person.noReferrer ? null : siteUrl(site, site.login.path);
        t += rng.logNormal(12_000, 0.5); // typing, or the password manager
        if (rng.chance(0.1)) {
          // A mistyped password: the form comes back with an error, then a second try.
          b.add(t, 'POST', site.login.path, 200, site.login.bytes, loginUrl);
          t += rng.logNormal(9_000, 0.4);
        }
        b.add(t, 'POST', site.login.path, 302, rng.int(180, 320), loginUrl);
        at = { page: site.account, category: null, listingIndex: 0 };
        view(site.account, t + rng.range(120, 450), loginUrl);
        break;
      }
      case 'checkoutSubmit': {
        b.add(t, 'POST', site.checkoutSubmitPath, 302, rng.int(180, 320), from);
        const confirmation: Page = { kind: 'account', path: '/order/confirmation', bytes: Math.round(site.account.bytes * 1.2), images: [] };
        view(confirmation, t + rng.range(300, 1500), from);
        views = pagesWanted; // bought: done
        break;
      }
      case 'broken': {
        const page = missingPage(site, rng.pick(site.brokenLinks));
        at = { page, category: null, listingIndex: 0 };
        loadPage(b, site, page, t, from, profile, rng, 404);
        break;
      }
    }
  }
  return b.finish('human', clientIp, identity.userAgent);
}

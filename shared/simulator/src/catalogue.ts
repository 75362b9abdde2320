/**
 * A customer's web site: its pages, the assets each page loads, and their sizes. Each customer
 * gets its own theme, catalogue size and URL scheme, so customers' traffic differs the way real
 * sites' does, while family behaviour (pages, carts, logins) stays comparable across them.
 */
import type { Rng } from './random.js';
import { CLASSIC_LAYOUT, type SiteLayout } from './layout.js';
import type { Theme } from './themes.js';

export interface Resource {
  /** Path and query, as it appears in the request line. */
  path: string;
  /** Full response body size. */
  bytes: number;
}

export type AssetKind = 'css' | 'js' | 'font' | 'image' | 'favicon';

export interface Asset extends Resource {
  kind: AssetKind;
  /** The stylesheet that pulls this in (fonts): the browser sends that as the referrer. */
  via?: string;
}

export type PageKind =
  | 'home'
  | 'category'
  | 'product'
  | 'article'
  | 'search'
  | 'cart'
  | 'checkout'
  | 'login'
  | 'account'
  | 'info'
  | 'missing';

export interface Page extends Resource {
  kind: PageKind;
  /** Images particular to this page (thumbnails are shared between pages, hence cacheable). */
  images: readonly Asset[];
}

export interface ProductPage extends Page {
  kind: 'product';
  id: number;
  category: number;
  /** The small image listings, searches and related-product strips show. */
  thumb: Asset;
}

export interface Category {
  slug: string;
  /** Page 1 is `page`; `listings[n - 1]` is the `?page=n` form a paginating client asks for. */
  page: Page;
  listings: readonly Page[];
  products: readonly ProductPage[];
}

export interface Site {
  customer: string;
  theme: Theme;
  /** `https://www.<customer>.com`, for referrers. */
  origin: string;
  home: Page;
  categories: readonly Category[];
  products: readonly ProductPage[];
  articles: readonly Page[];
  info: readonly Page[];
  cart: Page;
  checkout: Page;
  login: Page;
  account: Page;
  /** Size of the 404 page (it loads only the shared assets). */
  notFoundBytes: number;
  /** Links that used to work: the odd 404 that real people hit. */
  brokenLinks: readonly string[];
  /** Search either by a GET form (`?q=`) or a POST that redirects to the results. */
  searchMode: 'get' | 'post';
  searchPath: string;
  searchTerms: readonly string[];
  /** Add to cart by XHR (200 JSON, stay on the page) or by form POST redirecting to the cart. */
  cartMode: 'ajax' | 'redirect';
  cartAddPath: string;
  checkoutSubmitPath: string;
  /** Stock / availability endpoint polled by the product page (and by scalpers, much faster). */
  stockPath(product: ProductPage): string;
  /** Every page loads these, from the browser cache after the first time. */
  styles: readonly Asset[];
  scripts: readonly Asset[];
  fonts: readonly Asset[];
  logo: Asset;
  favicon: Asset;
  robots: Resource;
  sitemap: Resource;
  /** Every page a crawler can reach, in link order: home, info, categories, listings, products, articles. */
  crawlOrder: readonly Page[];
  /** How the site is built and who visits it (layout.ts); classic unless the simulation asks for variety. */
  layout: SiteLayout;
}

function kb(rng: Rng, min: number, max: number): number {
  return Math.round(rng.logUniform(min * 1024, max * 1024));
}

/** Slugs made of the theme's words, made unique with a number where two coincide. */
function uniqueSlug(base: string, used: Set<string>): string {
  let slug = base;
  for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
  used.add(slug);
  return slug;
}

export function buildSite(customer: string, theme: Theme, rng: Rng): Site {
  const origin = `https://www.${customer}.com`;
  const imageExt = rng.pick(['jpg', 'webp', 'avif', 'jpg']);
  const assetRoot = rng.pick(['/static', '/assets', '/dist', '/_next/static']);
  const productStyle = rng.int(0, 3);
  const categoryPrefix = rng.pick(['/category', '/c', '/collections', '/shop']);
  const articlePrefix = rng.pick(['/blog', '/journal', '/stories', '/news']);
  const perPage = rng.pick([12, 16, 24, 24, 36]);

  const asset = (kind: AssetKind, path: string, bytes: number, via?: string): Asset =>
    via === undefined ? { kind, path, bytes } : { kind, path, bytes, via };

  const styles = Array.from({ length: rng.int(1, 2) }, (_, i) =>
    asset('css', `${assetRoot}/css/${i === 0 ? 'main' : 'vendor'}.${rng.hex(8)}.css`, kb(rng, 18, 160)),
  );
  const firstStyle = styles[0] as Asset;
  const scripts = [
    asset('js', `${assetRoot}/js/runtime.${rng.hex(8)}.js`, kb(rng, 2, 9)),
    asset('js', `${assetRoot}/js/vendor.${rng.hex(8)}.js`, kb(rng, 120, 420)),
    asset('js', `${assetRoot}/js/app.${rng.hex(8)}.js`, kb(rng, 30, 220)),
    ...(rng.chance(0.5) ? [asset('js', `${assetRoot}/js/analytics.${rng.hex(8)}.js`, kb(rng, 10, 60))] : []),
  ];
  const fontNames = rng.shuffled(['inter', 'lato', 'merriweather', 'source-sans', 'playfair', 'roboto']).slice(0, rng.int(1, 3));
  const fonts = fontNames.map((name) =>
    asset('font', `${assetRoot}/fonts/${name}-regular.${rng.hex(6)}.woff2`, kb(rng, 14, 48), firstStyle.path),
  );
  const logo = asset('image', `${assetRoot}/img/logo.svg`, kb(rng, 2, 14));
  const favicon = asset('favicon', '/favicon.ico', kb(rng, 1, 16));

  const page = (kind: PageKind, path: string, bytes: number, images: Asset[] = []): Page => ({ kind, path, bytes, images });

  // Categories and their products.
  const categorySlugs = rng.shuffled(theme.categories).slice(0, rng.int(Math.min(6, theme.categories.length), theme.categories.length));
  const productCount = rng.int(60, 420);
  const usedSlugs = new Set<string>();
  const products: ProductPage[] = [];
  let id = rng.int(1000, 20000);
  for (let i = 0; i < productCount; i++) {
    id += rng.int(1, 6); // sparse ids, as after deletions
    const category = i % categorySlugs.length;
    const slug = uniqueSlug(`${rng.pick(theme.adjectives)}-${rng.pick(theme.nouns)}`, usedSlugs);
    const categorySlug = categorySlugs[category] as string;
    const path = [`/products/${slug}`, `/p/${id}/${slug}`, `${categoryPrefix}/${categorySlug}/${slug}`, `/item/${slug}-${id}`][productStyle] as string;
    const gallery = Array.from({ length: rng.int(2, 6) }, (_, n) =>
      asset('image', `/images/products/${slug}-${n + 1}.${imageExt}`, kb(rng, 35, 260)),
    );
    const thumb = asset('image', `/images/products/${slug}-thumb.${imageExt}`, kb(rng, 4, 28));
    products.push({ kind: 'product', path, bytes: kb(rng, 35, 110), images: gallery, id, category, thumb });
  }
  const thumbOf = (p: ProductPage): Asset => p.thumb;

  const categories: Category[] = categorySlugs.map((slug, index) => {
    const inCategory = products.filter((p) => p.category === index);
    const base = `${categoryPrefix}/${slug}`;
    const bytes = kb(rng, 30, 90);
    const pageCount = Math.max(1, Math.ceil(inCategory.length / perPage));
    const listings = Array.from({ length: pageCount }, (_, n) =>
      page('category', `${base}?page=${n + 1}`, Math.round(bytes * rng.range(0.9, 1.05)), inCategory.slice(n * perPage, (n + 1) * perPage).map(thumbOf)),
    );
    return { slug, page: page('category', base, bytes, inCategory.slice(0, perPage).map(thumbOf)), listings, products: inCategory };
  });
  // Products show their category's other products as "related" thumbnails.
  for (const product of products) {
    const related = categories[product.category]?.products.filter((p) => p !== product).slice(0, 4) ?? [];
    product.images = [...product.images, ...related.map(thumbOf)];
  }

  const usedArticleSlugs = new Set<string>();
  const articles = Array.from({ length: rng.int(15, 120) }, (_, i) => {
    const slug = uniqueSlug(`${rng.pick(theme.topics)}-${rng.pick(theme.adjectives)}-${rng.pick(theme.nouns)}`, usedArticleSlugs);
    const path = articlePrefix === '/news' ? `/news/${2019 + Math.floor(i / 20)}/${slug}` : `${articlePrefix}/${slug}`;
    const images = [
      asset('image', `/media/articles/${slug}-hero.${imageExt}`, kb(rng, 60, 320)),
      ...Array.from({ length: rng.int(0, 4) }, (_, n) => asset('image', `/media/articles/${slug}-${n + 1}.${imageExt}`, kb(rng, 25, 200))),
    ];
    return page('article', path, kb(rng, 25, 80), images);
  });

  const banners = Array.from({ length: rng.int(2, 5) }, () => asset('image', `/media/banners/${rng.hex(10)}.${imageExt}`, kb(rng, 80, 400)));
  const featured = rng.shuffled(products).slice(0, 8).map(thumbOf);
  const home = page('home', '/', kb(rng, 40, 120), [...banners, ...featured]);

  const info = rng
    .shuffled(['/about', '/contact', '/faq', '/shipping', '/returns', '/privacy', '/terms', '/stores'])
    .slice(0, rng.int(4, 8))
    .map((path) => page('info', path, kb(rng, 9, 30)));

  const paymentLogos = Array.from({ length: rng.int(1, 3) }, (_, n) => asset('image', `${assetRoot}/img/pay-${n + 1}.svg`, kb(rng, 1, 6)));
  const loginPath = rng.pick(['/login', '/account/login', '/signin']);
  const stockStyle = rng.int(0, 1);

  const brokenLinks = Array.from({ length: rng.int(3, 10) }, () =>
    rng.pick([
      `/products/${rng.pick(theme.adjectives)}-${rng.pick(theme.nouns)}-old`,
      `${categoryPrefix}/${rng.pick(theme.categories)}-archive`,
      `${articlePrefix}/${rng.pick(theme.topics)}-${2015 + rng.int(0, 6)}`,
      `/images/promo-${rng.hex(6)}.jpg`,
    ]),
  );

  const crawlOrder = [
    home,
    ...info,
    ...categories.flatMap((c) => [c.page, ...c.listings.slice(1)]),
    ...products,
    ...articles,
  ];

  return {
    customer,
    theme,
    origin,
    home,
    categories,
    products,
    articles,
    info,
    cart: page('cart', '/cart', kb(rng, 15, 40), paymentLogos),
    checkout: page('checkout', '/checkout', kb(rng, 18, 45), paymentLogos),
    login: page('login', loginPath, kb(rng, 9, 24)),
    account: page('account', '/account', kb(rng, 14, 35)),
    notFoundBytes: kb(rng, 4, 14),
    brokenLinks,
    searchMode: rng.chance(0.3) ? 'post' : 'get',
    searchPath: '/search',
    searchTerms: [...theme.nouns, ...theme.categories, ...theme.adjectives.map((a) => `${a}+${rng.pick(theme.nouns)}`)],
    cartMode: rng.chance(0.6) ? 'ajax' : 'redirect',
    cartAddPath: rng.pick(['/cart/add', '/api/cart/items']),
    checkoutSubmitPath: rng.pick(['/checkout', '/checkout/place-order']),
    stockPath: (p) => (stockStyle === 0 ? `/api/products/${p.id}/stock` : `/api/v1/inventory?sku=${p.id}`),
    styles,
    scripts,
    fonts,
    logo,
    favicon,
    robots: { path: '/robots.txt', bytes: rng.int(90, 1800) },
    sitemap: { path: '/sitemap.xml', bytes: kb(rng, 6, 90) },
    crawlOrder,
    layout: CLASSIC_LAYOUT,
  };
}

/** A search results page: its thumbnails are those of a few products, chosen by `rng`. */
export function searchResultsPage(site: Site, term: string, rng: Rng): Page {
  const hits = rng.int(0, 12);
  const images: Asset[] = [];
  for (let i = 0; i < hits; i++) images.push(rng.pick(site.products).thumb);
  return { kind: 'search', path: `${site.searchPath}?q=${term}`, bytes: Math.round(rng.range(18, 30) * 1024 + hits * 1400), images };
}

/** The absolute URL of a path on the site, as a browser sends it in Referer. */
export function siteUrl(site: Site, path: string): string {
  return site.origin + path;
}

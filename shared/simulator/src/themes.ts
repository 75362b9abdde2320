/**
 * Word lists that give each simulated customer its own shop: its name, categories, products and
 * articles. Customer n gets theme n (cycling, with a suffix once the themes run out).
 */

export interface Theme {
  /** The customer id; also the site's domain name. */
  name: string;
  categories: readonly string[];
  nouns: readonly string[];
  adjectives: readonly string[];
  /** Words for article titles. */
  topics: readonly string[];
}

export const THEMES: readonly Theme[] = [
  {
    name: 'alpine-outfitters',
    categories: ['tents', 'sleeping-bags', 'backpacks', 'jackets', 'boots', 'climbing', 'cookware', 'headlamps', 'trekking-poles', 'base-layers'],
    nouns: ['tent', 'parka', 'backpack', 'daypack', 'boot', 'harness', 'stove', 'headlamp', 'fleece', 'shell', 'bivy', 'gaiter', 'carabiner', 'quilt'],
    adjectives: ['alpine', 'summit', 'ridge', 'granite', 'glacier', 'trail', 'storm', 'cedar', 'basecamp', 'ultralight', 'hybrid', 'expedition'],
    topics: ['trail', 'gear', 'layering', 'camping', 'winter', 'hiking', 'guide', 'checklist', 'repair', 'routes'],
  },
  {
    name: 'paperleaf-books',
    categories: ['fiction', 'crime', 'science-fiction', 'history', 'biography', 'cookbooks', 'children', 'poetry', 'travel', 'comics', 'philosophy'],
    nouns: ['novel', 'anthology', 'memoir', 'atlas', 'cookbook', 'journal', 'collection', 'boxset', 'guide', 'primer', 'companion'],
    adjectives: ['silent', 'northern', 'hidden', 'golden', 'last', 'lost', 'paper', 'midnight', 'winter', 'secret', 'illustrated', 'complete'],
    topics: ['reading', 'authors', 'prize', 'shortlist', 'interview', 'summer', 'classics', 'bookclub', 'debut', 'review'],
  },
  {
    name: 'voltcart',
    categories: ['laptops', 'phones', 'headphones', 'monitors', 'keyboards', 'cameras', 'smart-home', 'storage', 'cables', 'gaming', 'tablets', 'audio'],
    nouns: ['laptop', 'phone', 'headset', 'monitor', 'keyboard', 'mouse', 'webcam', 'router', 'charger', 'speaker', 'ssd', 'dock', 'tablet', 'earbuds'],
    adjectives: ['pro', 'ultra', 'max', 'air', 'lite', 'wireless', 'mechanical', 'curved', 'portable', 'smart', 'quantum', 'nano'],
    topics: ['review', 'benchmark', 'deals', 'setup', 'comparison', 'tips', 'buying-guide', 'unboxing', 'update', 'battery'],
  },
  {
    name: 'threadline',
    categories: ['dresses', 'shirts', 'jeans', 'knitwear', 'shoes', 'accessories', 'coats', 'activewear', 'sale', 'new-in'],
    nouns: ['dress', 'shirt', 'jeans', 'sweater', 'cardigan', 'sneaker', 'loafer', 'scarf', 'coat', 'blazer', 'tote', 'belt', 'hoodie'],
    adjectives: ['linen', 'organic', 'relaxed', 'slim', 'cropped', 'oversized', 'merino', 'classic', 'vintage', 'pleated', 'striped', 'tailored'],
    topics: ['style', 'lookbook', 'trends', 'capsule', 'care', 'fabric', 'season', 'edit', 'sustainability', 'fit'],
  },
  {
    name: 'hearth-and-home',
    categories: ['sofas', 'tables', 'lighting', 'rugs', 'bedding', 'kitchen', 'storage', 'decor', 'outdoor', 'bathroom', 'office'],
    nouns: ['sofa', 'armchair', 'table', 'lamp', 'rug', 'duvet', 'shelf', 'mirror', 'vase', 'stool', 'cabinet', 'pendant', 'throw'],
    adjectives: ['oak', 'walnut', 'nordic', 'rattan', 'velvet', 'marble', 'industrial', 'modular', 'rustic', 'minimal', 'woven', 'ceramic'],
    topics: ['interiors', 'makeover', 'small-spaces', 'colour', 'lighting', 'tour', 'styling', 'diy', 'renovation', 'inspiration'],
  },
  {
    name: 'greengrocer',
    categories: ['fruit', 'vegetables', 'bakery', 'dairy', 'pantry', 'drinks', 'snacks', 'frozen', 'organic', 'boxes'],
    nouns: ['apples', 'tomatoes', 'sourdough', 'cheese', 'olive-oil', 'coffee', 'granola', 'honey', 'pasta', 'kombucha', 'hummus', 'berries'],
    adjectives: ['organic', 'local', 'heritage', 'wild', 'smoked', 'fresh', 'seasonal', 'artisan', 'raw', 'cold-pressed', 'stoneground', 'aged'],
    topics: ['recipe', 'season', 'harvest', 'farm', 'meal-plan', 'pantry', 'baking', 'market', 'zero-waste', 'menu'],
  },
  {
    name: 'tinytoys',
    categories: ['baby', 'puzzles', 'board-games', 'building', 'dolls', 'outdoor-play', 'science', 'arts-crafts', 'books', 'plush'],
    nouns: ['puzzle', 'blocks', 'train', 'doll', 'kite', 'robot', 'playset', 'teddy', 'game', 'kit', 'scooter', 'rattle'],
    adjectives: ['wooden', 'magnetic', 'rainbow', 'jumbo', 'musical', 'glow', 'classic', 'cosmic', 'dino', 'pocket', 'deluxe', 'starter'],
    topics: ['play', 'gift-guide', 'learning', 'parenting', 'crafts', 'birthday', 'safety', 'games', 'holiday', 'age-guide'],
  },
  {
    name: 'glowbeauty',
    categories: ['skincare', 'makeup', 'hair', 'fragrance', 'body', 'tools', 'men', 'gift-sets', 'suncare', 'nails'],
    nouns: ['serum', 'cleanser', 'moisturiser', 'lipstick', 'mascara', 'shampoo', 'perfume', 'balm', 'mask', 'toner', 'brush', 'oil'],
    adjectives: ['hydrating', 'vitamin-c', 'matte', 'radiant', 'gentle', 'overnight', 'rose', 'charcoal', 'daily', 'repair', 'velvet', 'botanical'],
    topics: ['routine', 'ingredients', 'tutorial', 'skin-type', 'favourites', 'trends', 'how-to', 'sensitive-skin', 'spf', 'glow'],
  },
];

/** Customer n's id: the themes' names in order, then the same names with `-2`, `-3`... */
export function customerName(index: number): string {
  const theme = themeOf(index);
  const round = Math.floor(index / THEMES.length);
  return round === 0 ? theme.name : `${theme.name}-${round + 1}`;
}

export function customerNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => customerName(i));
}

export function themeOf(customerIndex: number): Theme {
  return THEMES[customerIndex % THEMES.length] as Theme;
}

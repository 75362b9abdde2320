/**
 * Client addresses. Every session gets an address no other session of the run has (any
 * customer, any family), so a (client IP, user agent) pair names exactly one labelled visitor.
 *
 * Without remembering what was handed out: each CIDR block keeps a counter per customer, the
 * customer's n-th draw from a block is index n * customers + customer, and a keyed bijection on
 * the block's host bits turns that index into an address that looks random but never repeats.
 */
import { hash32 } from './random.js';
import type { Rng } from './random.js';

/** Named groups of public blocks. The groups are disjoint (a test checks), which uniqueness needs. */
export const IP_POOLS = {
  /** Consumer broadband: most people, and the residential proxies that better bots rent. */
  residential: [
    '24.16.0.0/13',
    '73.0.0.0/11',
    '98.192.0.0/11',
    '86.128.0.0/11',
    '90.0.0.0/11',
    '79.192.0.0/11',
    '2.24.0.0/13',
    '109.144.0.0/12',
    '124.96.0.0/12',
    '187.0.0.0/12',
  ],
  /** Mobile carriers, where phones usually browse from. */
  mobile: ['172.56.0.0/14', '174.192.0.0/11', '37.160.0.0/12', '176.0.0.0/12', '49.96.0.0/12'],
  /** Cloud and hosting providers, where most scripted traffic comes from. */
  datacenter: [
    '3.80.0.0/12',
    '18.204.0.0/14',
    '34.64.0.0/11',
    '35.184.0.0/13',
    '52.0.0.0/12',
    '104.131.0.0/16',
    '159.89.0.0/16',
    '167.99.0.0/16',
    '5.9.0.0/16',
    '95.216.0.0/15',
    '51.68.0.0/16',
    '45.77.0.0/16',
    '139.59.0.0/16',
  ],
  /** The published ranges of the big search engines' crawlers, so declared crawlers look verified. */
  googlebot: ['66.249.64.0/19'],
  bingbot: ['157.55.39.0/24', '207.46.13.0/24', '40.77.167.0/24', '52.167.144.0/24'],
  yandexbot: ['5.255.253.0/24', '213.180.203.0/24', '95.108.213.0/24'],
  applebot: ['17.241.208.0/20'],
  duckduckbot: ['20.191.45.0/24', '40.88.21.0/24'],
  baiduspider: ['116.179.32.0/24', '220.181.108.0/24'],
} as const satisfies Record<string, readonly string[]>;

export type IpPoolName = keyof typeof IP_POOLS;

interface Block {
  base: number;
  bits: number;
  mask: number;
  keys: [number, number, number, number];
}

function parseCidr(cidr: string): { base: number; bits: number } {
  const [address, prefix] = cidr.split('/');
  const octets = (address ?? '').split('.').map(Number);
  const bits = 32 - Number(prefix);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(bits >= 8 && bits <= 30)) {
    throw new RangeError(`bad pool block ${cidr}`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base: base - (base % 2 ** bits), bits };
}

export function ipToString(ip: number): string {
  return `${Math.floor(ip / 16777216) % 256}.${Math.floor(ip / 65536) % 256}.${Math.floor(ip / 256) % 256}.${ip % 256}`;
}

/** Every block of every pool as [first, last] numbers, for checking that pools do not overlap. */
export function poolRanges(): Array<{ pool: IpPoolName; first: number; last: number }> {
  const ranges: Array<{ pool: IpPoolName; first: number; last: number }> = [];
  for (const [pool, cidrs] of Object.entries(IP_POOLS) as Array<[IpPoolName, readonly string[]]>) {
    for (const cidr of cidrs) {
      const { base, bits } = parseCidr(cidr);
      ranges.push({ pool, first: base, last: base + 2 ** bits - 1 });
    }
  }
  return ranges;
}

/**
 * A bijection on `bits`-bit numbers: rounds of multiply-by-odd, add and xor-shift, each of which
 * is invertible modulo 2^bits. Keyed so different seeds scatter addresses differently.
 */
function permute(x: number, block: Block): number {
  const { mask, bits, keys } = block;
  const shift = Math.max(1, bits >>> 1);
  let v = x;
  for (let round = 0; round < 2; round++) {
    v = (Math.imul(v, keys[round * 2]! | 1) + keys[round * 2 + 1]!) & mask;
    v ^= v >>> shift;
  }
  return v;
}

export class IpAllocator {
  private readonly blocks = new Map<IpPoolName, Block[]>();
  private readonly counters = new Map<Block, number>();

  /**
   * @param customerIndex this customer's place among `customerCount`, which interleaves the
   *   customers' indices so that no two customers draw the same address either.
   */
  constructor(
    seed: string,
    private readonly customerIndex: number,
    private readonly customerCount: number,
  ) {
    for (const [pool, cidrs] of Object.entries(IP_POOLS) as Array<[IpPoolName, readonly string[]]>) {
      this.blocks.set(
        pool,
        cidrs.map((cidr) => {
          const { base, bits } = parseCidr(cidr);
          const key = (i: number): number => hash32(`${seed}\u001f${cidr}\u001f${i}`);
          return { base, bits, mask: 2 ** bits - 1, keys: [key(0), key(1), key(2), key(3)] };
        }),
      );
    }
  }

  /**
   * A fresh address from `pool`, from a block chosen by `rng`. A full block passes to the pool's
   * next one, then to the datacenter pool; only when all of those are spent does this throw.
   */
  allocate(pool: IpPoolName, rng: Rng): string {
    const blocks = this.blocks.get(pool) ?? [];
    const first = blocks.length > 0 ? rng.int(0, blocks.length - 1) : 0;
    const candidates = [...blocks.slice(first), ...blocks.slice(0, first)];
    if (pool !== 'datacenter') candidates.push(...(this.blocks.get('datacenter') ?? []));
    for (const block of candidates) {
      const ip = this.draw(block);
      if (ip !== null) return ipToString(ip);
    }
    throw new RangeError(`the simulator ran out of unique client addresses in pool ${pool}`);
  }

  private draw(block: Block): number | null {
    let counter = this.counters.get(block) ?? 0;
    for (;;) {
      const index = counter * this.customerCount + this.customerIndex;
      if (index > block.mask) {
        this.counters.set(block, counter);
        return null;
      }
      counter++;
      const host = permute(index, block);
      const last = host & 255;
      // .0 and .255 are network and broadcast addresses of /24s: real clients rarely show them.
      if (last === 0 || last === 255) continue;
      this.counters.set(block, counter);
      return block.base + host;
    }
  }
}

/**
 * One pass over a request path gives everything the accumulator needs from it: resource kind
 * (by extension), depth, and hashes of the path, its directory and one prefix. Sessions keep
 * hashes, never path strings, so their state stays small and fixed in size.
 */
import { FNV_OFFSET, fnvStep } from './hash.js';

export type ResourceKind = 'page' | 'image' | 'css' | 'js' | 'document' | 'other';

const KIND_BY_EXTENSION = new Map<string, ResourceKind>();
for (const ext of ['html', 'htm', 'shtml', 'xhtml', 'php', 'asp', 'aspx', 'jsp', 'jspx', 'cfm', 'cgi', 'pl', 'do', 'action']) {
  KIND_BY_EXTENSION.set(ext, 'page');
}
for (const ext of ['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'svg', 'ico', 'bmp', 'tif', 'tiff']) KIND_BY_EXTENSION.set(ext, 'image');
KIND_BY_EXTENSION.set('css', 'css');
for (const ext of ['js', 'mjs']) KIND_BY_EXTENSION.set(ext, 'js');
for (const ext of ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'csv']) {
  KIND_BY_EXTENSION.set(ext, 'document');
}

/** What one path contributes; filled in place by `analysePath` so the hot loop allocates nothing. */
export interface PathFacts {
  kind: ResourceKind;
  /** Non-empty segments: `/` → 0, `/a/b.html` → 2. */
  depth: number;
  /** Length of the path proper (before any `?` or `#`). */
  length: number;
  /** FNV-1a of the path proper. */
  hash: number;
  /** FNV-1a of the directory: the path up to and including its last `/`. */
  dirHash: number;
  /** FNV-1a of the first `prefixLength` characters, when the path is longer than that, else -1. */
  prefixHash: number;
  /** The character after that prefix (a `/` means the path extends the prefix by a segment). */
  charAfterPrefix: number;
}

export function newPathFacts(): PathFacts {
  return { kind: 'page', depth: 0, length: 0, hash: FNV_OFFSET, dirHash: FNV_OFFSET, prefixHash: -1, charAfterPrefix: -1 };
}

const SLASH = 47;
const DOT = 46;
const QUESTION = 63;
const HASH = 35;

/**
 * Analyse `path` into `out`. `prefixLength` is the previous request's path length, so that one
 * pass also tells whether this path extends the previous one (see the sequential features).
 */
export function analysePath(path: string, prefixLength: number, out: PathFacts): PathFacts {
  let hash = FNV_OFFSET;
  let dirHash = FNV_OFFSET;
  let depth = 0;
  let lastSlash = -1;
  let lastDot = -1;
  let previous = SLASH;
  let end = path.length;
  out.prefixHash = -1;
  out.charAfterPrefix = -1;
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === QUESTION || code === HASH) {
      end = i;
      break;
    }
    if (i === prefixLength) {
      out.prefixHash = hash >>> 0;
      out.charAfterPrefix = code;
    }
    hash = fnvStep(hash, code);
    if (code === SLASH) {
      lastSlash = i;
      dirHash = hash;
    } else {
      if (code === DOT) lastDot = i;
      if (previous === SLASH) depth++;
    }
    previous = code;
  }
  out.length = end;
  out.hash = hash >>> 0;
  out.dirHash = dirHash >>> 0;
  out.depth = depth;
  if (lastDot <= lastSlash || end === 0) {
    out.kind = 'page';
  } else {
    out.kind = KIND_BY_EXTENSION.get(path.slice(lastDot + 1, end).toLowerCase()) ?? 'other';
  }
  return out;
}

const LOGIN = /login|signin|sign-in|logon|auth/i;

export function isLoginPath(path: string): boolean {
  return LOGIN.test(path);
}

export function isRobotsTxt(path: string, facts: PathFacts): boolean {
  return facts.length === 11 && path.slice(0, 11).toLowerCase() === '/robots.txt';
}

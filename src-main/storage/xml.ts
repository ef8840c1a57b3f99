import type { XMLParser } from 'fast-xml-parser';
import { lazyRequire } from '../lazy-require';
import { parseXmlFast } from './xml-fast';

/** The body was not well-formed XML; the caller decides what that means for its operation. */
export class XmlSyntaxError extends Error {}

// Loaded on first use: listing pages and most answers take the fast path and never need it.
const fxp = lazyRequire<typeof import('fast-xml-parser')>('fast-xml-parser');
let fullParser: XMLParser | undefined;
// Tag values stay strings: keys, ETags and IDs that look like numbers must not lose digits.
const parser = (): XMLParser =>
  (fullParser ??= new (fxp().XMLParser)({
    ignoreAttributes: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    removeNSPrefix: true,
    ignoreDeclaration: true,
  }));

export type XmlNode = Record<string, unknown>;

/** Parses a whole document; throws XmlSyntaxError on anything that is not well-formed XML with a root element. */
export function parseXml(text: string): XmlNode {
  const trimmed = text.trim();
  // Plain documents (every listing page) take the fast path; anything else the full one below.
  const fast = parseXmlFast(trimmed);
  if (fast && Object.keys(fast).length > 0) return fast;
  if (trimmed === '' || fxp().XMLValidator.validate(trimmed) !== true) {
    throw new XmlSyntaxError('not well-formed XML');
  }
  const doc = parser().parse(trimmed) as unknown;
  if (!isNode(doc) || Object.keys(doc).length === 0) throw new XmlSyntaxError('no root element');
  return doc;
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A child element's text, or undefined when absent or not a leaf. */
export function text(node: unknown, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  const v = node[name];
  return typeof v === 'string' ? v : undefined;
}

/** A child element, whether it is a leaf or a node; empty elements come back as ''. */
export function child(node: unknown, name: string): unknown {
  return isNode(node) ? node[name] : undefined;
}

/** Repeated elements parse as an array, a single one as a value: always get an array. */
export function list(node: unknown, name: string): unknown[] {
  const v = child(node, name);
  if (v === undefined || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** Text content for a request body: object keys may hold `&`, `<`, quotes and any Unicode. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

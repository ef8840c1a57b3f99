/**
 * A fast path for the plain XML that storage servers answer with (ListBucketResult pages above
 * all): elements, text, the five predefined entities, attributes (dropped), an XML declaration.
 * It builds exactly what fast-xml-parser builds with the options of xml.ts (tag values as trimmed
 * strings, namespace prefixes removed, repeated elements as arrays, empty elements as ''), about
 * ten times faster: fast-xml-parser spends ~25 ms of CPU on a page of 1,000 keys, so listing
 * 100,000 keys spent seconds parsing (issue 13 (f)).
 *
 * Anything else (comments, CDATA, DOCTYPE, processing instructions, character references, mixed
 * content, text outside the root) returns undefined, and the caller takes the full path (the
 * validator, then fast-xml-parser). Mismatched or unclosed tags also return undefined, so a
 * malformed body still ends in the full path's XmlSyntaxError. test/unit/storage/xml-fast.test.ts
 * compares both over response fixtures and random documents.
 */
type Node = Record<string, unknown>;

interface Frame {
  name: string;
  node: Node | undefined;
  text: string;
}

// <name attrs> or <name attrs/>; attribute values quoted, so a '>' inside them is fine.
const OPEN = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/<"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const CLOSE = /<\/([A-Za-z_][\w.:-]*)\s*>/y;
const DECL = /^\s*<\?xml(?:\s+[^?<>]*)?\?>/;
const ENTITY = /&(amp|lt|gt|quot|apos);/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/** Character data as fast-xml-parser returns it; undefined for anything the fast path leaves alone. */
function textValue(raw: string): string | undefined {
  if (raw.includes('>')) return undefined; // legal, but rare: leave it to the full path
  const amp = raw.indexOf('&');
  if (amp < 0) return raw.trim();
  const decoded = raw.replace(ENTITY, (_, name: string) => ENTITIES[name]);
  // An '&' that is not one of the five (a character reference, a stray '&'): the full path.
  if (raw.replace(ENTITY, '').includes('&')) return undefined;
  return decoded.trim();
}

function addChild(parent: Node, name: string, value: unknown): void {
  if (name === '__proto__') throw new FastPathRefused();
  const prev = parent[name];
  if (prev === undefined && !Object.prototype.hasOwnProperty.call(parent, name)) parent[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else parent[name] = [prev, value];
}

class FastPathRefused extends Error {}

export function parseXmlFast(input: string): Node | undefined {
  try {
    return parse(input);
  } catch (e) {
    if (e instanceof FastPathRefused) return undefined;
    throw e;
  }
}

/**
 * Where the name of the tag opening at `lt` ends, when the tag is `<name>` or `<name/>` (a name
 * as OPEN's, then `>` or `/>` at once); 0 for any other tag, which OPEN reads.
 */
function plainOpen(input: string, lt: number): number {
  let i = lt + 1;
  const c0 = input.charCodeAt(i);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) return 0;
  for (i++; i < input.length; i++) {
    const c = input.charCodeAt(i);
    // [\w.:-]: letters, digits, `_`, `.`, `:`, `-`
    if (
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      (c >= 48 && c <= 57) ||
      c === 95 ||
      c === 46 ||
      c === 58 ||
      c === 45
    )
      continue;
    break;
  }
  const c = input.charCodeAt(i);
  if (c === 62) return i;
  if (c === 47 && input.charCodeAt(i + 1) === 62) return i;
  return 0;
}

function parse(input: string): Node | undefined {
  let pos = 0;
  const decl = DECL.exec(input);
  if (decl) pos = decl[0].length;
  const doc: Node = {};
  const stack: Frame[] = [];
  let rootDone = false;
  const n = input.length;
  while (pos < n) {
    const lt = input.indexOf('<', pos);
    const end = lt < 0 ? n : lt;
    if (end > pos) {
      const raw = input.slice(pos, end);
      if (stack.length === 0) {
        if (raw.trim() !== '') return undefined; // text outside the root
      } else stack[stack.length - 1].text += raw;
      if (lt < 0) break;
    }
    const next = input.charCodeAt(lt + 1);
    if (next === 47 /* / */) {
      const top = stack.pop();
      if (!top) return undefined;
      const after = lt + 2 + top.name.length;
      if (input.charCodeAt(after) === 62 /* > */ && input.startsWith(top.name, lt + 2)) {
        // `</name>`: what CLOSE matches there (a name's characters end at `>`), without the match.
        pos = after + 1;
      } else {
        CLOSE.lastIndex = lt;
        const m = CLOSE.exec(input);
        if (!m || m[1] !== top.name) return undefined;
        pos = CLOSE.lastIndex;
      }
      let value: unknown;
      if (top.node) {
        if (top.text.trim() !== '') return undefined; // mixed content
        value = top.node;
      } else {
        const t = textValue(top.text);
        if (t === undefined) return undefined;
        value = t;
      }
      if (stack.length === 0) {
        addChild(doc, localName(top.name), value);
        rootDone = true;
      } else {
        const parent = stack[stack.length - 1];
        if (parent.text.trim() !== '') return undefined; // mixed content
        parent.node ??= {};
        addChild(parent.node, localName(top.name), value);
      }
      continue;
    }
    if (next === 33 /* ! */ || next === 63 /* ? */) return undefined; // comment, CDATA, DOCTYPE, PI
    if (rootDone && stack.length === 0) return undefined; // a second root
    // `<name>` or `<name/>` (every tag of a listing) read by hand; anything else by OPEN. A
    // match array and its strings for each of 12 tags a key were ~2 KB of garbage a key (h18).
    let name: string;
    let empty: boolean;
    const plain = plainOpen(input, lt);
    if (plain > 0) {
      const slash = input.charCodeAt(plain) === 47;
      name = input.slice(lt + 1, plain);
      empty = slash;
      pos = plain + (slash ? 2 : 1);
    } else {
      OPEN.lastIndex = lt;
      const m = OPEN.exec(input);
      if (!m) return undefined;
      pos = OPEN.lastIndex;
      name = m[1];
      empty = m[3] === '/';
    }
    if (empty) {
      if (stack.length === 0) {
        addChild(doc, localName(name), '');
        rootDone = true;
      } else {
        const parent = stack[stack.length - 1];
        if (parent.text.trim() !== '') return undefined;
        parent.node ??= {};
        addChild(parent.node, localName(name), '');
      }
    } else {
      if (stack.length > 0 && stack[stack.length - 1].text.trim() !== '') return undefined;
      if (stack.length > 0) stack[stack.length - 1].node ??= {};
      stack.push({ name, node: undefined, text: '' });
    }
  }
  if (stack.length > 0 || !rootDone) return undefined;
  return doc;
}

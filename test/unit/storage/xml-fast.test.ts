// The XML fast path (src-main/storage/xml-fast.ts) against fast-xml-parser with xml.ts's options:
// the same tree for every document it accepts, and `undefined` (so the full path decides) for
// everything outside its subset, malformed documents included.
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseXml, XmlSyntaxError } from '../../../src-main/storage/xml';
import { parseXmlFast } from '../../../src-main/storage/xml-fast';

const reference = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  removeNSPrefix: true,
  ignoreDeclaration: true,
});

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const LIST_PAGE =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
  '<Name>bench</Name><Prefix>list/</Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType>' +
  '<IsTruncated>true</IsTruncated>' +
  '<Contents><Key>list/d0/k000000</Key><LastModified>2026-12-02T05:00:00.000Z</LastModified>' +
  '<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass>' +
  '<Owner><ID>tester</ID><DisplayName>tester</DisplayName></Owner><Type>Normal</Type></Contents>' +
  '<Contents><Key>a%20b%26c &amp; &lt;d&gt; &apos;e&apos;</Key><Size>12</Size><ETag>"x"</ETag></Contents>' +
  '<CommonPrefixes><Prefix>list/d1/</Prefix></CommonPrefixes>' +
  '<NextMarker>0001</NextMarker></ListBucketResult>\n';

const PLAIN: string[] = [
  LIST_PAGE,
  '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a</Key><RequestId>tx1</RequestId></Error>',
  '<ns:Root xmlns:ns="urn:x"><ns:A attr="1 > 0" other=\'q\'>  v  </ns:A><B/><B></B><B>2</B></ns:Root>',
  '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>0004B9894A22E5B1888A1E29F823</UploadId></InitiateMultipartUploadResult>',
  '<R>\n  <A>\n    <B>1</B>\n  </A>\n  <A><B>2</B><B>3</B></A>\n</R>',
  '<Empty/>',
  '<?xml version="1.0"?><R><K>0123</K><K>1e3</K><K>true</K></R>',
];

const REFUSED: string[] = [
  '<R><!-- c --><A>1</A></R>',
  '<R><A><![CDATA[<x>]]></A></R>',
  '<!DOCTYPE R><R/>',
  '<R><?pi x?><A>1</A></R>',
  '<R><A>&#65;</A></R>',
  '<R><A>a & b</A></R>',
  '<R>text<A>1</A></R>',
  '<R><A>1</A>tail</R>',
  '<R><A>1</B></R>',
  '<R><A>1</A>',
  '<R></R><S></S>',
  'junk<R/>',
  '<R><__proto__>x</__proto__></R>',
  '<R><A x="1>2</A></R>',
  '',
];

describe('parseXmlFast', () => {
  for (const doc of PLAIN) {
    it(`matches fast-xml-parser: ${doc.slice(0, 60).replace(/\n/g, ' ')}`, () => {
      const fast = parseXmlFast(doc.trim());
      expect(fast).toBeDefined();
      expect(fast).toEqual(reference.parse(doc.trim()));
    });
  }
  for (const doc of REFUSED) {
    it(`leaves it to the full path: ${JSON.stringify(doc)}`, () => {
      expect(parseXmlFast(doc)).toBeUndefined();
    });
  }

  it('random plain documents: the same tree as fast-xml-parser', () => {
    const r = rng(42);
    const names = ['A', 'B', 'Key', 's3:C', 'D-1', 'e.f'];
    const texts = ['', ' ', 'x', ' padded ', 'a &amp; b', '&lt;&gt;&quot;&apos;', '0042', 'é中😀', 'a\nb'];
    const element = (depth: number): string => {
      const name = names[Math.floor(r() * names.length)];
      const attr = r() < 0.2 ? ' xmlns="urn:x" id=\'7\'' : '';
      if (r() < 0.1) return `<${name}${attr}/>`;
      if (depth > 3 || r() < 0.4) return `<${name}${attr}>${texts[Math.floor(r() * texts.length)]}</${name}>`;
      const kids = Array.from({ length: 1 + Math.floor(r() * 4) }, () => element(depth + 1));
      return `<${name}${attr}>${kids.join(r() < 0.3 ? '\n  ' : '')}</${name}>`;
    };
    for (let i = 0; i < 500; i++) {
      const doc =
        (r() < 0.5 ? '<?xml version="1.0" encoding="UTF-8"?>' : '') +
        `<Root>${element(0)}${element(0)}</Root>`;
      const fast = parseXmlFast(doc);
      expect(fast, doc).toBeDefined();
      expect(fast, doc).toEqual(reference.parse(doc));
    }
  });

  it('a malformed body is still an XmlSyntaxError through parseXml', () => {
    expect(() => parseXml('<R><A>1</B></R>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<R><A>1</A>')).toThrow(XmlSyntaxError);
    expect(parseXml(LIST_PAGE)).toEqual(reference.parse(LIST_PAGE.trim()));
  });
});

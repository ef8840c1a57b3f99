import { describe, expect, it } from 'vitest';
import { highlight, previewKind } from './preview';

describe('preview kinds and highlighting', () => {
  it('knows kinds by extension and highlights code, escaping plain text', () => {
    expect(['a.PNG', 'b.mp4', 'c.mp3', 'd.pdf', 'e.ts', 'f.log', 'g.bin'].map(previewKind)).toEqual([
      'image',
      'video',
      'audio',
      'pdf',
      'text',
      'text',
      'none',
    ]);
    expect(highlight('x.ts', 'const a = 1;').html).toContain('<span class="hljs-keyword">const</span>');
    expect(highlight('x.txt', '<script>&')).toEqual({ html: '&#60;script&#62;&#38;', language: 'plaintext' });
  });
});

import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src-main/storage/errors';
import { bucketDenied } from '../../../src-main/storage/test-connection';

// bucketDenied decides from a flag the error carries (`details.specific`, set when an
// operation words the failure itself), never from the text of the message.
const denied = () =>
  new StorageError('STORAGE', { storageCode: 'AccessDenied', status: 403 }, { bucket: 'b' });

describe('bucketDenied reads the flag, not the words', () => {
  it('keeps the words of an operation that said what was refused, even when they begin "Access denied"', () => {
    const said = denied().restate({
      en: 'Access denied to the folder "x/": this key may not list it.',
      zh: '访问目录“x/”被拒绝：此密钥无权列出它。',
    });
    expect(said.details.specific).toBe(true);
    const e = bucketDenied(said, 'ok', 'b');
    expect(e.message).toBe(
      'Access denied "b": the key is valid, but access denied to the folder "x/": this key may not list it.',
    );
    expect(e.details.messageZh).toContain('访问目录“x/”被拒绝');
  });

  it('a generic refusal gets the policy-or-ACL advice, whatever its message says', () => {
    const generic = denied();
    expect(generic.details.specific).toBe(false);
    // A reworded or translated generic message must not change the decision.
    Object.defineProperty(generic, 'message', { value: 'Zugriff verweigert' });
    const e = bucketDenied(generic, 'ok', 'b');
    expect(e.message).toMatch(/^Access denied "b": the key is valid, but the bucket's policy or ACL/);
  });

  it('the flag travels with the error payload (details), so the renderer sees it too', () => {
    const p = denied().restate({ en: 'Opening "b" was refused.', zh: '打开“b”被拒绝。' }).toPayload();
    expect(p.details).toMatchObject({ kind: 'denied', specific: true });
  });
});

import { webcrypto } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import { secretPlain, type SealedSecret, type SecretPlain } from '../../src-shared/contract';
import { SEAL_RSA, fromBase64, sealSecret, toBase64 } from '../../src-shared/crypto/seal';

const subtle = webcrypto.subtle;

/**
 * Holds this process's one-time key pair; the private key never leaves memory. The pair is
 * made on first use (about 150 ms), so commands that never see a secret do not pay for it.
 */
export class SecretSealer {
  private pair: Promise<{ privateKey: webcrypto.CryptoKey; publicKeyB64: string }> | undefined;

  static async create(): Promise<SecretSealer> {
    return new SecretSealer();
  }

  /** SPKI, base64: what a view seals with. */
  async publicKey(): Promise<string> {
    return (await this.keys()).publicKeyB64;
  }

  /** Seal in main itself (CLI, tests): the same path a view's secret takes. */
  async seal(plain: SecretPlain): Promise<SealedSecret> {
    return sealSecret(await this.publicKey(), plain);
  }

  private keys() {
    this.pair ??= (async () => {
      const pair = await subtle.generateKey(
        { ...SEAL_RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
        false,
        ['encrypt', 'decrypt'],
      );
      const spki = await subtle.exportKey('spki', pair.publicKey);
      return { privateKey: pair.privateKey, publicKeyB64: toBase64(new Uint8Array(spki)) };
    })();
    return this.pair;
  }

  async open(sealed: SealedSecret): Promise<SecretPlain> {
    let text: string;
    try {
      const { privateKey } = await this.keys();
      const raw = await subtle.decrypt(SEAL_RSA, privateKey, fromBase64(sealed.key));
      const aes = await subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['decrypt']);
      const plain = await subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64(sealed.iv) },
        aes,
        fromBase64(sealed.data),
      );
      text = new TextDecoder().decode(plain);
    } catch {
      throw new AppError(
        'SEAL_INVALID',
        'The secret could not be opened: it was sealed for another session. Reload the window and enter it again.',
      );
    }
    const parsed = secretPlain.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new AppError('VALIDATION', parsed.error.issues.map((i) => i.message).join('; '));
    }
    return parsed.data;
  }
}

import { webcrypto } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import { secretPlain, type SealedSecret, type SecretPlain } from '../../src-shared/contract';
import { SEAL_RSA, fromBase64, toBase64 } from '../../src-shared/crypto/seal';

const subtle = webcrypto.subtle;

/** Holds this process's one-time key pair; the private key never leaves memory. */
export class SecretSealer {
  private constructor(
    private readonly privateKey: webcrypto.CryptoKey,
    readonly publicKeyB64: string,
  ) {}

  static async create(): Promise<SecretSealer> {
    const pair = await subtle.generateKey(
      { ...SEAL_RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      false,
      ['encrypt', 'decrypt'],
    );
    const spki = await subtle.exportKey('spki', pair.publicKey);
    return new SecretSealer(pair.privateKey, toBase64(new Uint8Array(spki)));
  }

  async open(sealed: SealedSecret): Promise<SecretPlain> {
    let text: string;
    try {
      const raw = await subtle.decrypt(SEAL_RSA, this.privateKey, fromBase64(sealed.key));
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

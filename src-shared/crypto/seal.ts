import type { SealedSecret, SecretPlain } from '../contract/accounts';

/**
 * Seal a secret for main's public key (RSA-OAEP-256 wraps a fresh AES-256-GCM key).
 * The page seals what the user typed; only main can open it, so a secret never crosses
 * the IPC or websocket transport in plain text. Runs on WebCrypto in browsers and Node.
 */
export const SEAL_RSA = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export async function sealSecret(publicKeyB64: string, plain: SecretPlain): Promise<SealedSecret> {
  const subtle = globalThis.crypto.subtle;
  const rsa = await subtle.importKey('spki', fromBase64(publicKeyB64), SEAL_RSA, false, ['encrypt']);
  const aes = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const data = await subtle.encrypt(
    { name: 'AES-GCM', iv },
    aes,
    new TextEncoder().encode(JSON.stringify(plain)),
  );
  const raw = await subtle.exportKey('raw', aes);
  const key = await subtle.encrypt(SEAL_RSA, rsa, raw);
  return { v: 1, key: toBase64(new Uint8Array(key)), iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
}

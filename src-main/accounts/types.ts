import type { AccountFields, SecretPlain } from '../../src-shared/contract';

/** An account with its secret, resolved in main at request time. Never sent to a view. */
export type ResolvedAccount = AccountFields & { id?: string; secret: SecretPlain };

import { randomBytes } from 'node:crypto';
import type {
  AccountFields,
  AccountFieldsEdit,
  AccountView,
  ConnectionTestResult,
  SealedSecret,
  SecretPlain,
  Services,
} from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { EventHub } from '../ipc/events';
import { testConnection } from '../storage/test-connection';
import type { AccountRegistry, StoredAccount } from './registry';
import type { SecretSealer } from './sealer';
import type { SecretStore } from './secret-store';
import type { ResolvedAccount } from './types';

type AccountsApi = Services['accounts'];

export interface AccountsDeps {
  registry: AccountRegistry;
  secrets: SecretStore;
  sealer: SecretSealer;
  hub: EventHub;
  /** Called right after any change, before views hear of it (e.g. to drop cached clients). */
  onChange?: () => Promise<void>;
  /** Injected so tests can point connection tests at local fault servers. */
  test?: (account: ResolvedAccount) => Promise<ConnectionTestResult>;
}

export class AccountsService implements AccountsApi {
  /** Accounts that live for this process only (the CLI's flags + COSDESK_* variables). */
  private readonly ephemeral = new Map<string, ResolvedAccount>();

  constructor(private readonly deps: AccountsDeps) {}

  /** Use an account for this process without saving it; returns an id the other services accept. */
  registerEphemeral(account: ResolvedAccount): string {
    const id = `tmp-${randomBytes(6).toString('hex')}`;
    this.ephemeral.set(id, { ...account, id });
    return id;
  }

  async list(): Promise<AccountView[]> {
    return (await this.deps.registry.all()).map((a) => this.view(a));
  }

  async get({ id }: { id: string }): Promise<AccountView> {
    return this.view(await this.mustFind(id));
  }

  async add(req: {
    fields: AccountFields;
    secret: SealedSecret;
    sessionOnly?: boolean;
  }): Promise<AccountView> {
    const secret = await this.deps.sealer.open(req.secret);
    const id = `acc-${randomBytes(6).toString('hex')}`;
    const where = req.sessionOnly ? 'session' : 'keychain';
    // Secret first: if the keychain refuses, nothing is written and the user can choose.
    await this.deps.secrets.put(id, secret, where);
    const now = new Date().toISOString();
    const stored: StoredAccount = {
      id,
      fields: req.fields,
      secretStorage: where,
      hasToken: secret.sessionToken !== undefined,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.registry.mutate((all) => all.push(stored));
    await this.announce();
    return this.view(stored);
  }

  async update(req: {
    id: string;
    fields: AccountFieldsEdit;
    secret?: SealedSecret;
    sessionOnly?: boolean;
  }): Promise<AccountView> {
    const existing = await this.mustFind(req.id);
    const fields = withKeyId(req.fields, existing.fields);
    let secretStorage = existing.secretStorage;
    let hasToken = existing.hasToken;
    if (req.secret) {
      const secret = await this.deps.sealer.open(req.secret);
      secretStorage = req.sessionOnly ? 'session' : 'keychain';
      await this.deps.secrets.put(req.id, secret, secretStorage);
      hasToken = secret.sessionToken !== undefined;
    }
    const updated = await this.deps.registry.mutate((all) => {
      const i = all.findIndex((a) => a.id === req.id);
      if (i < 0) throw notFound(req.id);
      all[i] = {
        ...all[i],
        fields,
        secretStorage,
        hasToken,
        updatedAt: new Date().toISOString(),
      };
      return all[i];
    });
    await this.announce();
    return this.view(updated);
  }

  async remove({ id }: { id: string }): Promise<{ removed: boolean }> {
    const removed = await this.deps.registry.mutate((all) => {
      const i = all.findIndex((a) => a.id === id);
      if (i >= 0) all.splice(i, 1);
      return i >= 0;
    });
    await this.deps.secrets.remove(id);
    if (removed) await this.announce();
    return { removed };
  }

  async test({ id }: { id: string }): Promise<ConnectionTestResult> {
    return this.runTest(await this.resolve(id));
  }

  async testDraft(req: {
    fields: AccountFieldsEdit;
    secret?: SealedSecret;
    id?: string;
  }): Promise<ConnectionTestResult> {
    const stored = req.id ? await this.resolve(req.id) : undefined;
    let secret: SecretPlain;
    if (req.secret) secret = await this.deps.sealer.open(req.secret);
    else if (stored) secret = stored.secret;
    else throw new AppError('VALIDATION', 'Enter the secret key to test this connection.');
    return this.runTest({ ...withKeyId(req.fields, stored), id: req.id, secret });
  }

  /** An account by id, or by name for people typing commands. */
  async resolveRef(idOrName: string): Promise<StoredAccount> {
    const all = await this.deps.registry.all();
    const acc = all.find((a) => a.id === idOrName) ?? all.find((a) => a.fields.name === idOrName);
    if (!acc) throw notFound(idOrName);
    return acc;
  }

  /** Main-side only: the account with its secret, for signing a request. */
  async resolve(idOrName: string): Promise<ResolvedAccount> {
    const temp = this.ephemeral.get(idOrName);
    if (temp) return temp;
    const acc = await this.resolveRef(idOrName);
    const secret = await this.deps.secrets.get(acc.id, acc.secretStorage);
    if (!secret) {
      throw new AppError(
        'SECRET_MISSING',
        `The secret of account "${acc.fields.name}" is not stored` +
          (acc.secretStorage === 'session'
            ? ' (it was kept for a session that has ended)'
            : ' in the keychain') +
          '. Edit the account and enter the secret key again.',
        { id: acc.id },
      );
    }
    return { ...acc.fields, id: acc.id, secret };
  }

  private runTest(account: ResolvedAccount): Promise<ConnectionTestResult> {
    return (this.deps.test ?? testConnection)(account);
  }

  private async mustFind(id: string): Promise<StoredAccount> {
    const acc = await this.deps.registry.find(id);
    if (!acc) throw notFound(id);
    return acc;
  }

  private async announce(): Promise<void> {
    await this.deps.onChange?.();
    this.deps.hub.emit('accounts.changed', { accounts: await this.list() });
  }

  private view(a: StoredAccount): AccountView {
    const storage =
      a.secretStorage === 'session' && !this.deps.secrets.hasSession(a.id) ? 'missing' : a.secretStorage;
    const common = {
      id: a.id,
      name: a.fields.name,
      region: a.fields.region,
      hasToken: a.hasToken,
      tokenExpiresAt: a.fields.tokenExpiresAt,
      secretStorage: storage,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    } as const;
    const f = a.fields;
    return f.kind === 'cos'
      ? {
          kind: 'cos',
          ...common,
          keyIdMasked: maskKeyId(f.secretId),
          appId: f.appId,
          endpointTemplate: f.endpointTemplate,
          serviceEndpoint: f.serviceEndpoint,
        }
      : {
          kind: 's3',
          ...common,
          keyIdMasked: maskKeyId(f.accessKeyId),
          endpoint: f.endpoint,
          pathStyle: f.pathStyle,
        };
  }
}

/** An edit that left the key id out keeps the stored one (the page only ever sees it masked). */
function withKeyId(edit: AccountFieldsEdit, stored: AccountFields | undefined): AccountFields {
  if (edit.kind === 'cos') {
    const secretId = edit.secretId ?? (stored?.kind === 'cos' ? stored.secretId : undefined);
    if (secretId) return { ...edit, secretId };
  } else {
    const accessKeyId = edit.accessKeyId ?? (stored?.kind === 's3' ? stored.accessKeyId : undefined);
    if (accessKeyId) return { ...edit, accessKeyId };
  }
  throw new AppError('VALIDATION', 'Enter the key id: the account has none of this kind stored.');
}

/** Enough of a key id to recognise it, not enough to use it. */
export function maskKeyId(keyId: string): string {
  if (keyId.length <= 8) return `${keyId.slice(0, 2)}…`;
  return `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
}

function notFound(id: string): AppError {
  return new AppError(
    'NOT_FOUND',
    `There is no account "${id}". It may have been removed in another window.`,
    {
      id,
    },
  );
}

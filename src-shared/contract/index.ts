import { z } from 'zod';
import {
  accountId,
  accountView,
  addAccountRequest,
  connectionTestResult,
  testDraftRequest,
  updateAccountRequest,
} from './accounts';
import type { EventName, MethodMap } from './methods';
import { sharingContract } from './sharing';
import { permissionsContract } from './permissions';
import { placesContract } from './places';
import { storageContract } from './storage';
import { transfersContract, transfersEvents } from './transfers';
import { bucketSettingsContract, bucketSettingsEvents } from './bucket-settings';
import { operationsContract, operationsEvents } from './operations';
import { filesContract } from './files';
import { versionsContract } from './versions';
import { appCommandEvents, settingsContract, settingsEvents } from './settings';
import { desktopContract } from './desktop';

export * from './accounts';
export * from './storage';
export * from './permissions';
export * from './sharing';
export * from './transfers';
export * from './bucket-settings';
export * from './places';
export * from './operations';
export * from './files';
export * from './versions';
export * from './settings';
export * from './desktop';
export * from './methods';
export * from './channels';

const empty = z.object({}).strict();
const byId = z.object({ id: accountId }).strict();

export const appInfo = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'web', 'cli', 'test']),
  keychain: z.object({ available: z.boolean(), reason: z.string().optional() }),
  /** SPKI public key (base64) that the page seals secrets with; new on every start. */
  sealKey: z.string(),
});
export type AppInfo = z.infer<typeof appInfo>;

/** Every call: request and response schemas. Services implement it; transports carry it. */
export const contract = {
  app: {
    info: { request: empty, response: appInfo },
    /**
     * Where a download goes: the desktop app asks with a folder dialog (no path when the
     * user cancels); web mode has no desktop and answers its configured folder (`fixed`).
     */
    chooseDownloadFolder: {
      request: empty,
      response: z.object({ path: z.string().optional(), fixed: z.boolean() }),
    },
  },
  accounts: {
    list: { request: empty, response: z.array(accountView) },
    get: { request: byId, response: accountView },
    add: { request: addAccountRequest, response: accountView },
    update: { request: updateAccountRequest, response: accountView },
    remove: { request: byId, response: z.object({ removed: z.boolean() }) },
    test: { request: byId, response: connectionTestResult },
    testDraft: { request: testDraftRequest, response: connectionTestResult },
  },
  storage: storageContract,
  transfers: transfersContract,
  sharing: sharingContract,
  permissions: permissionsContract,
  bucketSettings: bucketSettingsContract,
  places: placesContract,
  operations: operationsContract,
  files: filesContract,
  versions: versionsContract,
  settings: settingsContract,
  desktop: desktopContract,
} as const;

/** Events main sends to every view; payloads are validated before they leave main. */
export const events = {
  'accounts.changed': z.object({ accounts: z.array(accountView) }),
  /** A temporary key's token has run out: ask for fresh keys (and pause what uses the account). */
  'accounts.tokenExpired': z.object({ accountId, expiresAt: z.string() }),
  'sharing.linksChanged': z.object({ count: z.number() }),
  ...transfersEvents,
  ...bucketSettingsEvents,
  ...operationsEvents,
  ...settingsEvents,
  ...appCommandEvents,
} as const satisfies Record<EventName, z.ZodType>;

export type Contract = typeof contract;

// The preload's method list and the contract must name the same calls.
type ContractMethods = { [S in keyof Contract]: keyof Contract[S] };
type ListMethods = { [S in keyof MethodMap]: MethodMap[S][number] };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const contractMatchesMethodList: Same<ContractMethods, ListMethods> = true;

type Def = { request: z.ZodType; response: z.ZodType };
type Req<D> = D extends Def ? z.input<D['request']> : never;
type ReqOut<D> = D extends Def ? z.output<D['request']> : never;
type Res<D> = D extends Def ? z.output<D['response']> : never;
type ResIn<D> = D extends Def ? z.input<D['response']> : never;

/** What main implements: validated requests in, responses out (validated again on the way). */
export type Services = {
  [S in keyof Contract]: {
    [M in keyof Contract[S]]: (req: ReqOut<Contract[S][M]>) => Promise<ResIn<Contract[S][M]>>;
  };
};

export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** What the renderer calls: one typed method per contract call, plus event subscription. */
export type Bridge = {
  [S in keyof Contract]: {
    [M in keyof Contract[S]]: (req: Req<Contract[S][M]>) => Promise<Res<Contract[S][M]>>;
  };
} & {
  events: {
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  };
};

export function lookupCall(method: string): Def | undefined {
  const dot = method.indexOf('.');
  if (dot < 0) return undefined;
  const svc = method.slice(0, dot);
  const name = method.slice(dot + 1);
  if (!Object.hasOwn(contract, svc)) return undefined;
  const calls = contract[svc as keyof Contract] as Record<string, Def>;
  return Object.hasOwn(calls, name) ? calls[name] : undefined;
}

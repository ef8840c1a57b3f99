import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type {
  AccountFields,
  AccountFieldsEdit,
  AccountView,
  ConnectionTestResult,
  SecretPlain,
} from '../../../src-shared/contract';
import type { AppError } from '../../../src-shared/errors';
import { useAppStore } from '../ui/app-store';
import { toAppError } from '../ui/app-error';
import { bridge } from '../bridge/store';

export interface AddAccountInput {
  fields: AccountFields;
  /** What the user typed; sealed here, never sent in plain text. */
  secret: SecretPlain;
  sessionOnly?: boolean;
}

export interface UpdateAccountInput {
  id: string;
  /** The key id may be left out to keep the stored one. */
  fields: AccountFieldsEdit;
  /** Omit to keep the stored secret. */
  secret?: SecretPlain;
  sessionOnly?: boolean;
}

export interface TestDraftInput {
  fields: AccountFieldsEdit;
  /** Omit, with `id`, to test with the stored secret of an account being edited. */
  secret?: SecretPlain;
  id?: string;
}

const SELECTED_KEY = 'cosdesk.selectedAccount';

/** The page's session storage; none where there is no page (unit tests) or it is refused. */
function session(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

/** A cache of main's account registry: main is the source of truth, `accounts.changed` keeps it fresh. */
export const useAccountsStore = defineStore('accounts', () => {
  const accounts = ref<AccountView[]>([]);
  // The selection outlives a reload of the page (the desktop app reloads it when an account
  // names a new endpoint, so that the page's CSP lets its previews load).
  const selectedId = ref<string | null>(session()?.getItem(SELECTED_KEY) ?? null);
  watch(
    selectedId,
    (id) => {
      if (id) session()?.setItem(SELECTED_KEY, id);
      else session()?.removeItem(SELECTED_KEY);
    },
    { flush: 'sync' },
  );
  const loaded = ref(false);
  const loading = ref(false);
  /** The error of the most recent call, or null when it succeeded. */
  const lastError = ref<AppError | null>(null);
  /** The latest connection test of each stored account, by id. */
  const testResults = ref<Record<string, ConnectionTestResult>>({});
  const testingIds = ref<string[]>([]);

  const selected = computed(() => accounts.value.find((a) => a.id === selectedId.value) ?? null);

  let unsubscribe: (() => void) | undefined;

  function keepSelectionValid(): void {
    if (!accounts.value.some((a) => a.id === selectedId.value)) {
      selectedId.value = accounts.value[0]?.id ?? null;
    }
  }

  function apply(list: AccountView[]): void {
    accounts.value = list;
    const ids = new Set(list.map((a) => a.id));
    testResults.value = Object.fromEntries(Object.entries(testResults.value).filter(([id]) => ids.has(id)));
    keepSelectionValid();
  }

  function upsert(view: AccountView): void {
    const i = accounts.value.findIndex((a) => a.id === view.id);
    if (i < 0) accounts.value = [...accounts.value, view];
    else accounts.value = accounts.value.map((a) => (a.id === view.id ? view : a));
    // Settings changed: an earlier test result says nothing about them any more.
    testResults.value = Object.fromEntries(
      Object.entries(testResults.value).filter(([id]) => id !== view.id),
    );
  }

  async function call<T>(run: () => Promise<T>): Promise<T> {
    lastError.value = null;
    try {
      return await run();
    } catch (e) {
      const err = toAppError(e);
      lastError.value = err;
      throw err;
    }
  }

  /** Subscribe to `accounts.changed` (once) and fetch the list. */
  async function load(): Promise<void> {
    unsubscribe ??= bridge().events.on('accounts.changed', (p) => apply(p.accounts));
    loading.value = true;
    try {
      apply(await call(() => bridge().accounts.list({})));
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = undefined;
  }

  function select(id: string | null): void {
    selectedId.value = id;
  }

  async function add(input: AddAccountInput): Promise<AccountView> {
    const app = useAppStore();
    const view = await call(() =>
      app.withSealed(input.secret, (secret) =>
        bridge().accounts.add({
          fields: input.fields,
          // withSealed seals whenever a secret is given, and add always gives one.
          secret: secret!,
          ...(input.sessionOnly ? { sessionOnly: true } : {}),
        }),
      ),
    );
    upsert(view);
    selectedId.value = view.id;
    return view;
  }

  async function update(input: UpdateAccountInput): Promise<AccountView> {
    const app = useAppStore();
    const view = await call(() =>
      app.withSealed(input.secret, (secret) =>
        bridge().accounts.update({
          id: input.id,
          fields: input.fields,
          ...(secret ? { secret } : {}),
          ...(input.sessionOnly ? { sessionOnly: true } : {}),
        }),
      ),
    );
    upsert(view);
    return view;
  }

  async function remove(id: string): Promise<void> {
    await call(() => bridge().accounts.remove({ id }));
    apply(accounts.value.filter((a) => a.id !== id));
  }

  async function test(id: string): Promise<ConnectionTestResult> {
    testingIds.value = [...testingIds.value, id];
    try {
      const result = await call(() => bridge().accounts.test({ id }));
      testResults.value = { ...testResults.value, [id]: result };
      return result;
    } finally {
      testingIds.value = testingIds.value.filter((t) => t !== id);
    }
  }

  async function testDraft(input: TestDraftInput): Promise<ConnectionTestResult> {
    const app = useAppStore();
    return call(() =>
      app.withSealed(input.secret, (secret) =>
        bridge().accounts.testDraft({
          fields: input.fields,
          ...(secret ? { secret } : {}),
          ...(input.id && !secret ? { id: input.id } : {}),
        }),
      ),
    );
  }

  function isTesting(id: string): boolean {
    return testingIds.value.includes(id);
  }

  function clearError(): void {
    lastError.value = null;
  }

  return {
    accounts,
    selectedId,
    selected,
    loaded,
    loading,
    lastError,
    testResults,
    testingIds,
    load,
    stop,
    select,
    add,
    update,
    remove,
    test,
    testDraft,
    isTesting,
    clearError,
  };
});

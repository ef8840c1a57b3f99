import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { AccessReportView, AclView, PolicyVersion, PolicyView } from '../../../src-shared/contract';
import type { AppError } from '../../../src-shared/errors';
import type { Grant } from '../../../src-shared/permissions/model';
import { bridge } from '../bridge/store';
import { toAppError } from '../ui/app-error';

export interface PermTarget {
  accountId: string;
  bucket: string;
  region?: string;
}

/** The permissions of one bucket as last read from main: a cache, refreshed after every change. */
export const usePermissionsStore = defineStore('permissions', () => {
  const target = shallowRef<PermTarget | null>(null);
  const bucketAcl = ref<AclView | null>(null);
  const policy = ref<PolicyView | null>(null);
  const history = ref<PolicyVersion[]>([]);
  const access = ref<AccessReportView | null>(null);
  const error = ref<AppError | null>(null);
  const busy = ref(false);

  function ref_(): PermTarget {
    if (!target.value) throw new Error('no bucket');
    const t = target.value;
    return t.region === undefined
      ? { accountId: t.accountId, bucket: t.bucket }
      : { accountId: t.accountId, bucket: t.bucket, region: t.region };
  }

  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await fn();
    } catch (e) {
      error.value = toAppError(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  /** Points the store at a bucket without loading it (the folder switch needs only the policy). */
  function setTarget(t: PermTarget): void {
    const c = target.value;
    if (c && c.accountId === t.accountId && c.bucket === t.bucket && c.region === t.region) return;
    target.value = t;
  }

  async function open(t: PermTarget): Promise<void> {
    target.value = t;
    bucketAcl.value = null;
    policy.value = null;
    access.value = null;
    await run(async () => {
      const [a, p, h] = await Promise.all([
        bridge().permissions.getAcl(ref_()),
        bridge().permissions.getPolicy(ref_()),
        bridge().permissions.policyHistory(ref_()),
      ]);
      bucketAcl.value = a;
      policy.value = p;
      history.value = h;
    });
  }

  async function refreshPolicy(): Promise<void> {
    const [p, h] = await Promise.all([
      bridge().permissions.getPolicy(ref_()),
      bridge().permissions.policyHistory(ref_()),
    ]);
    policy.value = p;
    history.value = h;
  }

  function saveBucketAcl(change: { canned?: string; grants?: Grant[] }): Promise<boolean> {
    return run(async () => {
      await bridge().permissions.putAcl({ ...ref_(), ...change });
      bucketAcl.value = await bridge().permissions.getAcl(ref_());
      return true;
    }).then(Boolean);
  }

  function objectAcl(key: string): Promise<AclView | undefined> {
    return run(() => bridge().permissions.getAcl({ ...ref_(), key }));
  }

  /** Applies one change to every selected object; resolves to the keys that failed. */
  function saveObjectAcl(keys: string[], change: { canned?: string; grants?: Grant[] }) {
    return run(() => bridge().permissions.putAcl({ ...ref_(), keys, ...change }));
  }

  function savePolicy(document: string): Promise<boolean> {
    return run(async () => {
      policy.value = await bridge().permissions.putPolicy({ ...ref_(), document });
      history.value = await bridge().permissions.policyHistory(ref_());
      return true;
    }).then(Boolean);
  }

  function restore(id: string): Promise<boolean> {
    return run(async () => {
      policy.value = await bridge().permissions.restorePolicy({ ...ref_(), id });
      history.value = await bridge().permissions.policyHistory(ref_());
      return true;
    }).then(Boolean);
  }

  function deletePolicy(): Promise<boolean> {
    return run(async () => {
      await bridge().permissions.deletePolicy(ref_());
      await refreshPolicy();
      return true;
    }).then(Boolean);
  }

  function folderPublic(prefix: string) {
    return run(() => bridge().permissions.folderPublic({ ...ref_(), prefix }));
  }

  function countExposure(prefix: string) {
    return run(() => bridge().permissions.countExposure({ ...ref_(), prefix }));
  }

  function setFolderPublic(prefix: string, on: boolean): Promise<boolean> {
    return run(async () => {
      await bridge().permissions.setFolderPublic({ ...ref_(), prefix, public: on });
      await refreshPolicy();
      return true;
    }).then(Boolean);
  }

  function whoCanAccess(key: string, users?: string[]): Promise<boolean> {
    return run(async () => {
      access.value = await bridge().permissions.whoCanAccess({ ...ref_(), key, ...(users ? { users } : {}) });
      return true;
    }).then(Boolean);
  }

  return {
    target,
    bucketAcl,
    policy,
    history,
    access,
    error,
    busy,
    setTarget,
    open,
    saveBucketAcl,
    objectAcl,
    saveObjectAcl,
    savePolicy,
    restore,
    deletePolicy,
    folderPublic,
    countExposure,
    setFolderPublic,
    whoCanAccess,
  };
});

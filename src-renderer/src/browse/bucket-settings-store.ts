import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { BucketSettingsView, EmptyJobView, SetSectionRequest } from '../../../src-shared/contract';
import { bridge } from '../bridge/store';

export interface BucketTarget {
  accountId: string;
  bucket: string;
  region?: string;
}

/** Bucket settings of the bucket being edited, and the empty-and-delete jobs this window started. */
export const useBucketSettingsStore = defineStore('bucketSettings', () => {
  const view = ref<BucketSettingsView | null>(null);
  const jobs = ref<Record<string, EmptyJobView>>({});
  let listening = false;

  function listen(): void {
    if (listening) return;
    listening = true;
    bridge().events.on('bucketSettings.emptyProgress', ({ job }) => {
      // Keep the furthest state: a late coalesced 'running' never overwrites the end.
      const had = jobs.value[job.id];
      if (had && had.state !== 'running' && job.state === 'running') return;
      jobs.value = { ...jobs.value, [job.id]: job };
    });
  }

  async function load(t: BucketTarget): Promise<BucketSettingsView> {
    view.value = null;
    const v = await bridge().bucketSettings.get(t);
    view.value = v;
    return v;
  }

  async function save(req: SetSectionRequest): Promise<BucketSettingsView> {
    const v = await bridge().bucketSettings.set(req);
    view.value = v;
    return v;
  }

  async function startEmpty(t: BucketTarget, confirm: string, deleteBucket: boolean): Promise<EmptyJobView> {
    listen();
    const job = await bridge().bucketSettings.empty({ ...t, confirm, deleteBucket });
    const had = jobs.value[job.id];
    if (!had) jobs.value = { ...jobs.value, [job.id]: job };
    return job;
  }

  async function cancel(id: string): Promise<void> {
    const job = await bridge().bucketSettings.cancelEmpty({ id });
    jobs.value = { ...jobs.value, [id]: job };
  }

  /** The job as main has it now (an event may have been coalesced away). */
  async function refresh(id: string): Promise<EmptyJobView> {
    const job = await bridge().bucketSettings.emptyJob({ id });
    const had = jobs.value[id];
    if (!had || had.state === 'running') jobs.value = { ...jobs.value, [id]: job };
    return jobs.value[id];
  }

  return { view, jobs, load, save, startEmpty, cancel, refresh };
});

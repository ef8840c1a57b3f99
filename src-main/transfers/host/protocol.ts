import type { LockKind } from '../../data-lock';
import type { StorageClientOptions } from '../../storage/client';

/** What the transfers worker is started with (plain data: it crosses a MessagePort). */
export interface WorkerInit {
  dataDir: string;
  /** The storage client options without the network (the worker asks main for routes). */
  clientOptions: Omit<StorageClientOptions, 'network'>;
  lock: { kind: LockKind; wait?: boolean };
  autoStart: boolean;
  concurrency?: number;
  /** The proxy settings' generation when the worker started. */
  generation: number;
}

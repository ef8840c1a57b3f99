import type { Bridge } from '../../../src-shared/contract';
import { useBridge } from './';

let override: Bridge | undefined;

/** The stores' way to reach main; tests swap in a fake with `setBridgeForTests`. */
export function bridge(): Bridge {
  return override ?? useBridge();
}

export function setBridgeForTests(fake: Bridge | undefined): void {
  override = fake;
}

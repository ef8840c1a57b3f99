import type { NativeMenuItem, Services } from '../../src-shared/contract';

type Api = Services['desktop'];

/** Native pieces of the desktop app (set by src-main/app); the headless modes have none. */
export interface DesktopHooks {
  /** Show a native context menu; resolves with the chosen index, or undefined when dismissed. */
  popupMenu?(items: NativeMenuItem[], at?: { x: number; y: number }): Promise<number | undefined>;
}

export class DesktopService implements Api {
  constructor(private readonly hooks: DesktopHooks = {}) {}

  async popupMenu(req: {
    items: NativeMenuItem[];
    x?: number;
    y?: number;
  }): Promise<{ native: boolean; chosen?: number }> {
    if (!this.hooks.popupMenu) return { native: false };
    const at = req.x !== undefined && req.y !== undefined ? { x: req.x, y: req.y } : undefined;
    const chosen = await this.hooks.popupMenu(req.items, at);
    return chosen === undefined ? { native: true } : { native: true, chosen };
  }
}

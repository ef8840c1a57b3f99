import { z } from 'zod';

export const nativeMenuItem = z
  .object({
    label: z.string().max(200),
    enabled: z.boolean().default(true),
    separatorBefore: z.boolean().default(false),
  })
  .strict();
export type NativeMenuItem = z.infer<typeof nativeMenuItem>;

/** Desktop conventions the page asks main for. */
export const desktopContract = {
  /**
   * The desktop app shows these items as a native context menu and answers the chosen index
   * (none: dismissed); elsewhere `native` is false and the page shows its own menu.
   */
  popupMenu: {
    request: z
      .object({
        items: z.array(nativeMenuItem).min(1).max(100),
        /** Where, in the page's CSS pixels (default: at the mouse). */
        x: z.number().int().min(0).max(100_000).optional(),
        y: z.number().int().min(0).max(100_000).optional(),
      })
      .strict(),
    response: z.object({ native: z.boolean(), chosen: z.number().int().min(0).optional() }),
  },
} as const;

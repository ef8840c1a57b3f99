/** The only channel names the Electron transport uses; built from contract method names. */
export const CHANNEL_PREFIX = 'cosdesk:';
export const EVENT_CHANNEL = 'cosdesk:event';
export const channelFor = (method: string): string => `${CHANNEL_PREFIX}${method}`;
/** Fire-and-forget from the preload: main downloads the objects, then starts a native drag. */
export const DRAG_OUT_CHANNEL = 'cosdesk:drag-out';

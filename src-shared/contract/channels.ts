/** The only channel names the Electron transport uses; built from contract method names. */
export const CHANNEL_PREFIX = 'cosdesk:';
export const EVENT_CHANNEL = 'cosdesk:event';
export const channelFor = (method: string): string => `${CHANNEL_PREFIX}${method}`;

/** What the Electron transport knows about the frame that sent a call. */
export interface SenderInfo {
  webContentsId: number;
  isMainFrame: boolean;
  frameUrl: string;
}

export interface TrustPolicy {
  /** webContents ids of windows this app created. */
  windows: ReadonlySet<number>;
  /** The renderer's own URL: app://cosdesk/index.html, or the dev server's origin. */
  appUrl: string;
}

/** A call is trusted only from our own window's main frame showing our own page. */
export function isTrustedSender(s: SenderInfo, policy: TrustPolicy): boolean {
  if (!s.isMainFrame || !policy.windows.has(s.webContentsId)) return false;
  let frame: URL;
  let app: URL;
  try {
    frame = new URL(s.frameUrl);
    app = new URL(policy.appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') return frame.protocol === 'file:' && frame.pathname === app.pathname;
  // Not `origin`: a custom scheme such as app://cosdesk has the opaque origin "null", equal for
  // every page of every such scheme. Scheme and host (with port) name our page exactly.
  return frame.protocol === app.protocol && frame.host === app.host && app.host !== '';
}
